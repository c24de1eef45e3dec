import { prisma } from "@/lib/db/prisma";

const WATERMARK = "probe-results";

export interface RollupRun {
  from: Date;
  until: Date;
  rawRows: number;
}

/**
 * Folds raw results with startedAt in [watermark, until) into the target×minute and
 * node×target×hour rollups and moves the watermark, all in one transaction: running it twice
 * adds nothing twice. `until` is floored to the minute; pass now minus the longest check time,
 * so attempts still running (they carry their start time) are not left behind the watermark.
 */
export async function rollUpResults(until: Date): Promise<RollupRun> {
  const end = new Date(Math.floor(until.getTime() / 60_000) * 60_000);
  return prisma.$transaction(async (tx) => {
    // Lock the watermark row so two workers rolling up at once serialise instead of double-counting.
    await tx.$executeRaw`INSERT INTO "ProbeRollupWatermark" ("name", "rolledUpTo")
      SELECT ${WATERMARK}, coalesce(min("startedAt"), ${end}::timestamptz) FROM "ProbeResult" ON CONFLICT ("name") DO NOTHING`;
    const [mark] = await tx.$queryRaw<{ rolledUpTo: Date }[]>`SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${WATERMARK} FOR UPDATE`;
    const from = mark.rolledUpTo;
    if (from >= end) return { from, until: end, rawRows: 0 };

    await tx.$executeRaw`
      INSERT INTO "ProbeRollupTargetMinute" ("targetId", "minute", "faultClass", "faultOrigin", "count", "totalMsSum")
      SELECT "targetId", date_trunc('minute', "startedAt"), "faultClass", "faultOrigin", count(*), sum("totalMs")
      FROM "ProbeResult" WHERE "startedAt" >= ${from} AND "startedAt" < ${end}
      GROUP BY 1, 2, 3, 4
      ON CONFLICT ("targetId", "minute", "faultClass", "faultOrigin") DO UPDATE
        SET "count" = "ProbeRollupTargetMinute"."count" + excluded."count",
            "totalMsSum" = "ProbeRollupTargetMinute"."totalMsSum" + excluded."totalMsSum"`;
    await tx.$executeRaw`
      INSERT INTO "ProbeRollupNodeHour" ("nodeId", "targetId", "hour", "faultClass", "faultOrigin", "count", "totalMsSum")
      SELECT "nodeId", "targetId", date_trunc('hour', "startedAt"), "faultClass", "faultOrigin", count(*), sum("totalMs")
      FROM "ProbeResult" WHERE "startedAt" >= ${from} AND "startedAt" < ${end}
      GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT ("nodeId", "targetId", "hour", "faultClass", "faultOrigin") DO UPDATE
        SET "count" = "ProbeRollupNodeHour"."count" + excluded."count",
            "totalMsSum" = "ProbeRollupNodeHour"."totalMsSum" + excluded."totalMsSum"`;
    await tx.$executeRaw`UPDATE "ProbeRollupWatermark" SET "rolledUpTo" = ${end} WHERE "name" = ${WATERMARK}`;
    const [{ n }] = await tx.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "ProbeResult" WHERE "startedAt" >= ${from} AND "startedAt" < ${end}`;
    return { from, until: end, rawRows: Number(n) };
  });
}

/**
 * Deletes raw results older than `olderThan`, but never rows that some rollup has not folded in
 * yet: every rollup over ProbeResult keeps its own row in ProbeRollupWatermark (this file's and
 * the dashboard's "stats"), and the oldest of them bounds what may go.
 */
export async function pruneRawResults(olderThan: Date): Promise<number> {
  const [mark] = await prisma.$queryRaw<{ rolledUpTo: Date | null; ours: number }[]>`
    SELECT min("rolledUpTo") AS "rolledUpTo", count(*) FILTER (WHERE "name" = ${WATERMARK})::int AS ours FROM "ProbeRollupWatermark"`;
  if (!mark?.rolledUpTo || mark.ours === 0) return 0;
  const cutoff = olderThan < mark.rolledUpTo ? olderThan : mark.rolledUpTo;
  return prisma.$executeRaw`DELETE FROM "ProbeResult" WHERE "startedAt" < ${cutoff}`;
}
