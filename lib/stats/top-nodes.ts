import { CLASSES_502, CLASSES_504, NODE_FAULT_ORIGINS } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import type { OffenderRow } from "./top-targets";
import { resolveQueryWindow, sqlInstant, type StatsQuery } from "./windows";
import { rawTailBounds } from "./raw-tail";

export interface NodeOffenderRow extends OffenderRow {
  /** Failures the node or its network was blamed for (faultOrigin proxy/network). */
  nodeFailures: number;
}

/**
 * Nodes with the most failed results in the window, from StatsRollupNode at the window's grain
 * (5 min for 15 min / 1 h, hourly for 24 h / 7 d) plus raw rows past the watermark. Ranked by
 * node-caused failures first, so a target that blocks everyone does not crowd the list.
 */
export async function topOffendingNodes(query: StatsQuery, limit = 10, db: StatsDb = defaultStatsDb, now = new Date()): Promise<NodeOffenderRow[]> {
  const w = resolveQueryWindow(query, now);
  const tail = await rawTailBounds(w, db);
  const poolId = query.poolId ?? null;
  const rows = await db.$queryRaw<Array<{ id: string; host: string; port: number; label: string; requests: bigint; failures: bigint; nodeFailures: bigint; c502: bigint; c504: bigint }>>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    parts AS (
      SELECT s."nodeId", s."faultClass", s."faultOrigin", sum(s."count")::bigint AS n
      FROM "StatsRollupNode" s
      WHERE s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${sqlInstant(w.nodeBucketStart)}::timestamptz AND s."faultClass" <> 'ok'
        AND (${sqlInstant(w.nodeBucketEnd)}::timestamptz IS NULL OR s."bucketStart" < ${sqlInstant(w.nodeBucketEnd)}::timestamptz)
        AND (${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = s."nodeId" AND m."poolId" = ${poolId}::uuid))
      GROUP BY 1, 2, 3
      UNION ALL
      SELECT p."nodeId", p."faultClass", p."faultOrigin", count(*)::bigint
      FROM "ProbeResult" p, w
      WHERE p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz AND p."faultClass" <> 'ok'
        AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz)
        AND (${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = p."nodeId" AND m."poolId" = ${poolId}::uuid))
      GROUP BY 1, 2, 3
    ), agg AS (
      SELECT "nodeId", sum(n)::bigint AS failures,
             coalesce(sum(n) FILTER (WHERE "faultOrigin" = ANY(${NODE_FAULT_ORIGINS}::text[])), 0)::bigint AS "nodeFailures",
             coalesce(sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_502}::text[])), 0)::bigint AS c502,
             coalesce(sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_504}::text[])), 0)::bigint AS c504
      FROM parts GROUP BY 1
      ORDER BY "nodeFailures" DESC, failures DESC LIMIT ${limit}
    ), totals AS (
      SELECT agg."nodeId", coalesce((SELECT sum(s."count") FROM "StatsRollupNode" s
               WHERE s."nodeId" = agg."nodeId" AND s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${sqlInstant(w.nodeBucketStart)}::timestamptz
                 AND (${sqlInstant(w.nodeBucketEnd)}::timestamptz IS NULL OR s."bucketStart" < ${sqlInstant(w.nodeBucketEnd)}::timestamptz)), 0)
             + (SELECT count(*) FROM "ProbeResult" p, w WHERE p."nodeId" = agg."nodeId"
                  AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
                  AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz)) AS requests
      FROM agg
    )
    SELECT n."id", n."host", n."port", n."label", totals.requests::bigint AS requests, agg.failures, agg."nodeFailures", agg.c502, agg.c504
    FROM agg JOIN totals ON totals."nodeId" = agg."nodeId" JOIN "ProxyNode" n ON n."id" = agg."nodeId"
    ORDER BY agg."nodeFailures" DESC, agg.failures DESC, n."host"`;
  return rows.map((r) => ({
    id: r.id,
    name: r.label ? `${r.label} (${r.host}:${r.port})` : `${r.host}:${r.port}`,
    requests: Number(r.requests),
    failures: Number(r.failures),
    nodeFailures: Number(r.nodeFailures),
    count502: Number(r.c502),
    count504: Number(r.c504),
    failureRate: Number(r.failures) / Math.max(1, Number(r.requests)),
  }));
}
