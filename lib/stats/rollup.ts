import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { histAddSql, histFromIndexSql, histIndexSql } from "./latency-histogram";
import { ALL_POOLS_KEY } from "./windows";

export interface StatsRollupRun {
  from: Date;
  until: Date;
  /** Minute rollup rows written (inserted or added to). */
  rollupRows: number;
}

/** Node rollup grains (minutes): 5 for the 15 min / 1 h windows, 60 for 24 h / 7 d. */
export const NODE_GRAINS = [5, 60] as const;

/**
 * Folds raw ProbeResult rows with startedAt in [watermark "stats", until floored to the minute)
 * into StatsRollupMinute (pool × target × minute × class, plus the all-pools key) and
 * StatsRollupNode (node × 5-min / hour × class), each row with a latency histogram, and moves the
 * watermark in the same transaction (the watermark row is locked first): re-running never counts
 * twice and two workers serialise. Buckets are fixed-width epoch intervals, so the session's
 * time zone does not matter. Readers add raw rows at or after the watermark, so figures stay live.
 */
export async function rollUpStats(until: Date, db: StatsDb = defaultStatsDb): Promise<StatsRollupRun> {
  const end = new Date(Math.floor(until.getTime() / 60_000) * 60_000);
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`INSERT INTO "ProbeRollupWatermark" ("name", "rolledUpTo")
        SELECT ${STATS_WATERMARK}, coalesce(min("startedAt"), ${end}::timestamptz) FROM "ProbeResult" ON CONFLICT ("name") DO NOTHING`;
      const [mark] = await tx.$queryRaw<{ rolledUpTo: Date }[]>`SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK} FOR UPDATE`;
      const from = mark.rolledUpTo;
      if (from >= end) return { from, until: end, rollupRows: 0 };

      const rollupRows = await tx.$executeRaw`
        INSERT INTO "StatsRollupMinute" ("poolKey", "minute", "targetId", "faultClass", "faultOrigin", "count", "totalMsSum", "hist")
        SELECT k."poolKey", to_timestamp(floor(extract(epoch FROM r."startedAt") / 60) * 60), r."targetId", r."faultClass", r."faultOrigin",
               count(*), sum(r."totalMs"), ${histFromIndexSql("r.idx")}
        FROM (SELECT p."nodeId", p."targetId", p."startedAt", p."faultClass", p."faultOrigin", p."totalMs", ${histIndexSql('p."totalMs"')} AS idx
              FROM "ProbeResult" p WHERE p."startedAt" >= ${from} AND p."startedAt" < ${end}) r
        CROSS JOIN LATERAL (SELECT ${ALL_POOLS_KEY}::uuid AS "poolKey"
                            UNION ALL SELECT m."poolId" FROM "PoolMembership" m WHERE m."nodeId" = r."nodeId") k
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ("poolKey", "minute", "targetId", "faultClass", "faultOrigin") DO UPDATE
          SET "count" = "StatsRollupMinute"."count" + excluded."count",
              "totalMsSum" = "StatsRollupMinute"."totalMsSum" + excluded."totalMsSum",
              "hist" = ${histAddSql('"StatsRollupMinute"."hist"', "excluded.hist")}`;
      await tx.$executeRaw`
        INSERT INTO "StatsRollupNode" ("grainMinutes", "bucketStart", "nodeId", "faultClass", "faultOrigin", "count", "totalMsSum", "hist")
        SELECT g.grain, to_timestamp(floor(extract(epoch FROM r."startedAt") / (g.grain * 60)) * (g.grain * 60)), r."nodeId", r."faultClass", r."faultOrigin",
               count(*), sum(r."totalMs"), ${histFromIndexSql("r.idx")}
        FROM (SELECT p."nodeId", p."startedAt", p."faultClass", p."faultOrigin", p."totalMs", ${histIndexSql('p."totalMs"')} AS idx
              FROM "ProbeResult" p WHERE p."startedAt" >= ${from} AND p."startedAt" < ${end}) r
        CROSS JOIN unnest(${[...NODE_GRAINS]}::int[]) AS g(grain)
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ("grainMinutes", "bucketStart", "nodeId", "faultClass", "faultOrigin") DO UPDATE
          SET "count" = "StatsRollupNode"."count" + excluded."count",
              "totalMsSum" = "StatsRollupNode"."totalMsSum" + excluded."totalMsSum",
              "hist" = ${histAddSql('"StatsRollupNode"."hist"', "excluded.hist")}`;
      await tx.$executeRaw`UPDATE "ProbeRollupWatermark" SET "rolledUpTo" = ${end} WHERE "name" = ${STATS_WATERMARK}`;
      return { from, until: end, rollupRows };
    },
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
}

/** Retention of the stats rollups: minutes 8 days, 5-minute node buckets 2 days, hourly 35 days. */
export async function pruneStatsRollups(now = new Date(), db: StatsDb = defaultStatsDb): Promise<void> {
  const day = 86_400_000;
  await db.$executeRaw`DELETE FROM "StatsRollupMinute" WHERE "minute" < ${new Date(now.getTime() - 8 * day)}`;
  await db.$executeRaw`DELETE FROM "StatsRollupNode" WHERE "grainMinutes" = 5 AND "bucketStart" < ${new Date(now.getTime() - 2 * day)}`;
  await db.$executeRaw`DELETE FROM "StatsRollupNode" WHERE "grainMinutes" = 60 AND "bucketStart" < ${new Date(now.getTime() - 35 * day)}`;
}

