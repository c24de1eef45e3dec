import { runBounded } from "@/lib/db/bounded-work";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { histAddSql, histFromIndexCountsSql, histIndexSql } from "./latency-histogram";
import { ALL_POOLS_KEY } from "./windows";
import { statsWatermark } from "./raw-tail";

/** Node rollup grains (minutes): 5 for the 15 min / 1 h windows, 60 for 24 h / 7 d. */
export const NODE_GRAINS = [5, 60] as const;
/** Raw rows are counted per finest node bucket first; every coarser grain is a multiple of it. */
const FINEST_NODE_GRAIN_SECONDS = NODE_GRAINS[0] * 60;

/**
 * Rollups fold results this long after their start, so a normal check (15 s total by default) is in
 * the database before the watermark passes its start time. The delay only keeps timestamps exact; it
 * is not what makes counts right: a result that still arrives behind the watermark (a check with a
 * longer timeout, a long relay through the gateway) is filed at the watermark by the writer
 * (lib/probe/result-writer.ts), under the watermark's row lock. Shorter is a shorter raw tail for
 * every dashboard query.
 */
export const ROLLUP_DELAY_MS = 30_000;
/** The watermark moves in steps of this (fixed-width, epoch-aligned): a tail of delay + step + the job's interval at most. */
export const ROLLUP_STEP_MS = 10_000;

export interface RollupOptions {
  db?: StatsDb;
  /** Raw rows folded per transaction at most (default 50,000: about a second of work). */
  chunkRows?: number;
  /** Stop starting new chunks after this long; the rest is folded next round (default 6 s). */
  budgetMs?: number;
}

export interface StatsRollupRun {
  /** Watermark before and after this run. */
  from: Date | null;
  reached: Date | null;
  /** Where the run was asked to go (until, floored to the step). */
  until: Date;
  rawRows: number;
  chunks: number;
  /** False when the budget ran out with raw rows still waiting: the next rounds catch up. */
  caughtUp: boolean;
  /** How far the watermark is behind `until`, in seconds (0 when caught up). */
  lagSeconds: number;
}

/**
 * THE statistics rollup: folds raw ProbeResult rows with startedAt in [watermark "stats", until
 * floored to the step) into every rollup the product reads — StatsRollupMinute (pool × target ×
 * minute × class, plus the all-pools key), StatsRollupNode (node × 5 min / hour × class) and
 * StatsRollupNodeTarget (node × target × hour × class) — in chunks of at most `chunkRows` raw rows,
 * one transaction each that also moves the watermark (locked first, so re-running never counts
 * twice and two workers serialise). Buckets are fixed-width epoch intervals. Readers add raw rows
 * at or after the watermark, so figures stay live and exact while a backlog is being folded.
 */
export async function rollUpStats(until: Date, options: RollupOptions = {}): Promise<StatsRollupRun> {
  const db = options.db ?? defaultStatsDb;
  const chunkRows = options.chunkRows ?? 50_000;
  const end = new Date(Math.floor(until.getTime() / ROLLUP_STEP_MS) * ROLLUP_STEP_MS);
  let from: Date | null = null;
  let reached: Date | null = null;
  const run = await runBounded(async () => {
    const chunk = await foldChunk(db, end, chunkRows);
    from ??= chunk.from;
    reached = chunk.to;
    return { rows: chunk.rawRows, more: chunk.to < end };
  }, options.budgetMs ?? 6_000);
  const lagMs = reached ? Math.max(0, end.getTime() - (reached as Date).getTime()) : 0;
  return { from, reached, until: end, rawRows: run.rows, chunks: run.steps, caughtUp: run.done, lagSeconds: Math.round(lagMs / 1000) };
}

async function foldChunk(db: StatsDb, end: Date, chunkRows: number): Promise<{ from: Date; to: Date; rawRows: number }> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`INSERT INTO "ProbeRollupWatermark" ("name", "rolledUpTo")
        SELECT ${STATS_WATERMARK}, coalesce(min("startedAt"), ${end}::timestamptz) FROM "ProbeResult" ON CONFLICT ("name") DO NOTHING`;
      const [mark] = await tx.$queryRaw<{ rolledUpTo: Date }[]>`SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK} FOR UPDATE`;
      const from = mark.rolledUpTo;
      if (from >= end) return { from, to: from, rawRows: 0 };
      // The chunk ends at the (chunkRows+1)-th raw row (through the startedAt index), or at `end`.
      const [next] = await tx.$queryRaw<{ startedAt: Date }[]>`
        SELECT "startedAt" FROM "ProbeResult" WHERE "startedAt" >= ${from} AND "startedAt" < ${end}
        ORDER BY "startedAt" OFFSET ${chunkRows} LIMIT 1`;
      // Rows sharing one millisecond are never split; a chunk always moves at least 1 ms.
      const to = next ? new Date(Math.max(next.startedAt.getTime(), from.getTime() + 1)) : end;

      await tx.$executeRaw`
        INSERT INTO "StatsRollupMinute" ("poolKey", "minute", "targetId", "faultClass", "faultOrigin", "count", "totalMsSum", "hist")
        SELECT k."poolKey", r.minute, r."targetId", r."faultClass", r."faultOrigin",
               sum(r.n), sum(r.ms), ${histFromIndexCountsSql("r.idx", "r.n")}
        FROM (SELECT p."nodeId", p."targetId", to_timestamp(floor(extract(epoch FROM p."startedAt") / 60) * 60) AS minute, p."faultClass", p."faultOrigin",
                     ${histIndexSql('p."totalMs"')} AS idx, count(*) AS n, sum(p."totalMs") AS ms
              FROM "ProbeResult" p WHERE p."startedAt" >= ${from} AND p."startedAt" < ${to}
              GROUP BY 1, 2, 3, 4, 5, 6) r
        CROSS JOIN LATERAL (SELECT ${ALL_POOLS_KEY}::uuid AS "poolKey"
                            UNION ALL SELECT m."poolId" FROM "PoolMembership" m WHERE m."nodeId" = r."nodeId") k
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ("poolKey", "minute", "targetId", "faultClass", "faultOrigin") DO UPDATE
          SET "count" = "StatsRollupMinute"."count" + excluded."count",
              "totalMsSum" = "StatsRollupMinute"."totalMsSum" + excluded."totalMsSum",
              "hist" = ${histAddSql('"StatsRollupMinute"."hist"', "excluded.hist")}`;
      await tx.$executeRaw`
        INSERT INTO "StatsRollupNode" ("grainMinutes", "bucketStart", "nodeId", "faultClass", "faultOrigin", "count", "totalMsSum", "hist")
        SELECT g.grain, to_timestamp(floor(r.bucket / (g.grain * 60)) * (g.grain * 60)), r."nodeId", r."faultClass", r."faultOrigin",
               sum(r.n), sum(r.ms), ${histFromIndexCountsSql("r.idx", "r.n")}
        FROM (SELECT p."nodeId", floor(extract(epoch FROM p."startedAt") / ${FINEST_NODE_GRAIN_SECONDS}) * ${FINEST_NODE_GRAIN_SECONDS} AS bucket, p."faultClass", p."faultOrigin",
                     ${histIndexSql('p."totalMs"')} AS idx, count(*) AS n, sum(p."totalMs") AS ms
              FROM "ProbeResult" p WHERE p."startedAt" >= ${from} AND p."startedAt" < ${to}
              GROUP BY 1, 2, 3, 4, 5) r
        CROSS JOIN unnest(${[...NODE_GRAINS]}::int[]) AS g(grain)
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ("grainMinutes", "bucketStart", "nodeId", "faultClass", "faultOrigin") DO UPDATE
          SET "count" = "StatsRollupNode"."count" + excluded."count",
              "totalMsSum" = "StatsRollupNode"."totalMsSum" + excluded."totalMsSum",
              "hist" = ${histAddSql('"StatsRollupNode"."hist"', "excluded.hist")}`;
      await tx.$executeRaw`
        INSERT INTO "StatsRollupNodeTarget" ("nodeId", "targetId", "hour", "faultClass", "faultOrigin", "count", "totalMsSum")
        SELECT "nodeId", "targetId", to_timestamp(floor(extract(epoch FROM "startedAt") / 3600) * 3600), "faultClass", "faultOrigin", count(*), sum("totalMs")
        FROM "ProbeResult" WHERE "startedAt" >= ${from} AND "startedAt" < ${to}
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT ("nodeId", "targetId", "hour", "faultClass", "faultOrigin") DO UPDATE
          SET "count" = "StatsRollupNodeTarget"."count" + excluded."count",
              "totalMsSum" = "StatsRollupNodeTarget"."totalMsSum" + excluded."totalMsSum"`;
      const [{ n }] = await tx.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "ProbeResult" WHERE "startedAt" >= ${from} AND "startedAt" < ${to}`;
      await tx.$executeRaw`UPDATE "ProbeRollupWatermark" SET "rolledUpTo" = ${to} WHERE "name" = ${STATS_WATERMARK}`;
      return { from, to, rawRows: Number(n) };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/**
 * How far the statistics rollup is behind, in seconds: 0 while the watermark is where a caught-up
 * rollup leaves it (the rollup delay plus up to one step).
 */
export async function statsRollupLag(now = new Date(), db: StatsDb = defaultStatsDb): Promise<{ rolledUpTo: Date | null; lagSeconds: number | null }> {
  const rolledUpTo = await statsWatermark(db);
  if (!rolledUpTo) return { rolledUpTo: null, lagSeconds: null };
  return { rolledUpTo, lagSeconds: Math.max(0, Math.round((now.getTime() - ROLLUP_DELAY_MS - ROLLUP_STEP_MS - rolledUpTo.getTime()) / 1000)) };
}

const DAY_MS = 86_400_000;
/** Retention of the stats rollups: minutes 8 days, 5-minute node buckets 2 days, hourly node and node × target 35 days. */
export async function pruneStatsRollups(now = new Date(), options: { db?: StatsDb; chunkRows?: number; budgetMs?: number } = {}) {
  const db = options.db ?? defaultStatsDb;
  const limit = options.chunkRows ?? 20_000;
  const minuteCutoff = new Date(now.getTime() - 8 * DAY_MS);
  const fiveMinuteCutoff = new Date(now.getTime() - 2 * DAY_MS);
  const hourCutoff = new Date(now.getTime() - 35 * DAY_MS);
  // Each step deletes at most `limit` rows per table (ctid batches), so no step is a long transaction.
  return runBounded(async () => {
    const deleted = [
      await db.$executeRaw`DELETE FROM "StatsRollupMinute" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "StatsRollupMinute" WHERE "minute" < ${minuteCutoff} LIMIT ${limit}))`,
      await db.$executeRaw`DELETE FROM "StatsRollupNode" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "StatsRollupNode" WHERE "grainMinutes" = 5 AND "bucketStart" < ${fiveMinuteCutoff} LIMIT ${limit}))`,
      await db.$executeRaw`DELETE FROM "StatsRollupNode" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "StatsRollupNode" WHERE "grainMinutes" = 60 AND "bucketStart" < ${hourCutoff} LIMIT ${limit}))`,
      await db.$executeRaw`DELETE FROM "StatsRollupNodeTarget" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "StatsRollupNodeTarget" WHERE "hour" < ${hourCutoff} LIMIT ${limit}))`,
    ];
    return { rows: deleted.reduce((a, b) => a + b, 0), more: deleted.some((n) => n === limit) };
  }, options.budgetMs ?? 2_000);
}
