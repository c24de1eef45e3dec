import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import type { ClassCountRow } from "./class-figures";
import { rawTailBounds } from "./raw-tail";

/**
 * Results per fault class and origin of one pool with startedAt in [from, to): rollup minutes inside the
 * range (minute-aligned) plus raw rows at or after the "stats" watermark, in one statement, the
 * same way the overview reads (nothing counted twice). For alert rules with their own window.
 */
export async function poolClassCountsBetween(poolId: string, from: Date, to: Date, db: StatsDb = defaultStatsDb): Promise<ClassCountRow[]> {
  const minuteFrom = new Date(Math.ceil(from.getTime() / 60_000) * 60_000);
  const tail = await rawTailBounds({ start: from, end: to, now: to }, db);
  return db.$queryRaw<ClassCountRow[]>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    parts AS (
      SELECT s."faultClass", s."faultOrigin", sum(s."count")::bigint AS n, sum(s."totalMsSum") AS ms
      FROM "StatsRollupMinute" s, w
      WHERE s."poolKey" = ${poolId}::uuid AND s."minute" >= ${minuteFrom} AND s."minute" < least(${to}::timestamptz, coalesce(w.mark, '-infinity'::timestamptz))
      GROUP BY 1, 2
      UNION ALL
      SELECT p."faultClass", p."faultOrigin", count(*)::bigint, sum(p."totalMs")
      FROM "ProbeResult" p, w
      WHERE p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${from}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz AND p."startedAt" < ${to}
        AND EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = p."nodeId" AND m."poolId" = ${poolId}::uuid)
      GROUP BY 1, 2
    )
    SELECT "faultClass", "faultOrigin", sum(n)::bigint AS n, sum(ms) AS ms FROM parts GROUP BY 1, 2`;
}
