import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { statsOverview } from "./overview";
import { resolveWindow, type StatsWindow } from "./windows";

export interface ResultCountsQuery {
  window: StatsWindow;
  poolId?: string;
  nodeId?: string;
  targetId?: string;
}

export interface ResultCounts {
  window: StatsWindow;
  since: string;
  total: number;
  byBucket: { ok: number; "502": number; "504": number; other_failure: number };
  byOrigin: { none: number; proxy: number; network: number; target: number };
  byFaultClass: Record<string, number>;
}

/**
 * Result counts by class for /api/v1/stats, from the same rollups the pages read: without a node
 * it IS the overview's query (so the API and the overview agree for the same window); for a node
 * the node page's grain (StatsRollupNode), with a target the node × target × hour rollup. Each
 * adds raw rows past the "stats" watermark in the same statement.
 */
export async function resultCounts(query: ResultCountsQuery, db: StatsDb = defaultStatsDb, now = new Date()): Promise<ResultCounts> {
  const w = resolveWindow(query.window, now);
  let byClass: Partial<Record<string, number>>;
  if (!query.nodeId) {
    byClass = (await statsOverview({ window: query.window, poolId: query.poolId, targetId: query.targetId }, db, now)).byClass;
  } else {
    const nodeId = query.nodeId;
    const poolId = query.poolId ?? null;
    const targetId = query.targetId ?? null;
    const hourStart = new Date(Math.floor(w.start.getTime() / 3_600_000) * 3_600_000);
    const rows = await db.$queryRaw<Array<{ faultClass: string; n: bigint }>>`
      WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
      member AS (SELECT ${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" WHERE "poolId" = ${poolId}::uuid AND "nodeId" = ${nodeId}::uuid) AS ok),
      parts AS (
        SELECT s."faultClass", sum(s."count")::bigint AS n FROM "StatsRollupNode" s
        WHERE ${targetId}::uuid IS NULL AND s."nodeId" = ${nodeId}::uuid AND s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${w.nodeBucketStart}
        GROUP BY 1
        UNION ALL
        SELECT t."faultClass", sum(t."count")::bigint FROM "StatsRollupNodeTarget" t
        WHERE ${targetId}::uuid IS NOT NULL AND t."nodeId" = ${nodeId}::uuid AND t."targetId" = ${targetId}::uuid AND t."hour" >= ${hourStart}
        GROUP BY 1
        UNION ALL
        SELECT p."faultClass", count(*)::bigint FROM "ProbeResult" p, w
        WHERE p."nodeId" = ${nodeId}::uuid AND (${targetId}::uuid IS NULL OR p."targetId" = ${targetId}::uuid)
          AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${w.start}::timestamptz)
        GROUP BY 1
      )
      SELECT "faultClass", sum(n)::bigint AS n FROM parts, member WHERE member.ok GROUP BY 1`;
    byClass = Object.fromEntries(rows.map((row) => [row.faultClass, Number(row.n)]));
  }
  const counts: ResultCounts = {
    window: query.window,
    since: w.start.toISOString(),
    total: 0,
    byBucket: { ok: 0, "502": 0, "504": 0, other_failure: 0 },
    byOrigin: { none: 0, proxy: 0, network: 0, target: 0 },
    byFaultClass: {},
  };
  for (const [faultClass, n] of Object.entries(byClass)) {
    const entry = FAULT_CLASSES[faultClass as FaultClass];
    if (!entry || !n) continue;
    counts.total += n;
    counts.byBucket[entry.bucket] += n;
    counts.byOrigin[entry.origin] += n;
    counts.byFaultClass[faultClass] = n;
  }
  return counts;
}
