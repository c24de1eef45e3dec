import { CLASSES_502, CLASSES_504 } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { ALL_POOLS_KEY, resolveQueryWindow, sqlInstant, type StatsQuery } from "./windows";
import { rawTailBounds } from "./raw-tail";

export interface OffenderRow {
  id: string;
  name: string;
  requests: number;
  failures: number;
  count502: number;
  count504: number;
  failureRate: number;
}

/** Targets with the most failed results in the window (StatsRollupMinute + raw rows past the watermark). */
export async function topOffendingTargets(query: StatsQuery, limit = 10, db: StatsDb = defaultStatsDb, now = new Date()): Promise<OffenderRow[]> {
  const w = resolveQueryWindow(query, now);
  const tail = await rawTailBounds(w, db);
  const poolId = query.poolId ?? null;
  const rows = await db.$queryRaw<Array<{ id: string; url: string; name: string; requests: bigint; failures: bigint; c502: bigint; c504: bigint }>>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    parts AS (
      SELECT s."targetId", s."faultClass", sum(s."count")::bigint AS n
      FROM "StatsRollupMinute" s
      WHERE s."poolKey" = coalesce(${poolId}::uuid, ${ALL_POOLS_KEY}::uuid) AND s."minute" >= ${sqlInstant(w.minuteStart)}::timestamptz
        AND (${sqlInstant(w.minuteEnd)}::timestamptz IS NULL OR s."minute" < ${sqlInstant(w.minuteEnd)}::timestamptz)
      GROUP BY 1, 2
      UNION ALL
      SELECT p."targetId", p."faultClass", count(*)::bigint
      FROM "ProbeResult" p, w
      WHERE p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
        AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz)
        AND (${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = p."nodeId" AND m."poolId" = ${poolId}::uuid))
      GROUP BY 1, 2
    ), agg AS (
      SELECT "targetId", sum(n)::bigint AS requests,
             coalesce(sum(n) FILTER (WHERE "faultClass" <> 'ok'), 0)::bigint AS failures,
             coalesce(sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_502}::text[])), 0)::bigint AS c502,
             coalesce(sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_504}::text[])), 0)::bigint AS c504
      FROM parts GROUP BY 1
    )
    SELECT t."id", t."url", t."name", agg.requests, agg.failures, agg.c502, agg.c504
    FROM agg JOIN "ProbeTarget" t ON t."id" = agg."targetId"
    WHERE agg.failures > 0
    ORDER BY agg.failures DESC, t."url" LIMIT ${limit}`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name || r.url,
    requests: Number(r.requests),
    failures: Number(r.failures),
    count502: Number(r.c502),
    count504: Number(r.c504),
    failureRate: Number(r.failures) / Math.max(1, Number(r.requests)),
  }));
}
