import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { statsOverviewRows } from "./overview";
import { resolveWindow, type StatsWindow } from "./windows";
import { rawTailBounds } from "./raw-tail";

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
  /** By who was to blame (faultOrigin). */
  byOrigin: { none: number; proxy: number; network: number; target: number; unknown: number };
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
  let rows: Array<{ faultClass: string; faultOrigin: string; n: bigint | number }>;
  if (!query.nodeId) {
    rows = await statsOverviewRows({ window: query.window, poolId: query.poolId, targetId: query.targetId }, db, now);
  } else {
    const nodeId = query.nodeId;
    const poolId = query.poolId ?? null;
    const targetId = query.targetId ?? null;
    const hourStart = new Date(Math.floor(w.start.getTime() / 3_600_000) * 3_600_000);
    const tail = await rawTailBounds(w, db);
    rows = await db.$queryRaw<Array<{ faultClass: string; faultOrigin: string; n: bigint }>>`
      WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
      member AS (SELECT ${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" WHERE "poolId" = ${poolId}::uuid AND "nodeId" = ${nodeId}::uuid) AS ok),
      parts AS (
        SELECT s."faultClass", s."faultOrigin", sum(s."count")::bigint AS n FROM "StatsRollupNode" s
        WHERE ${targetId}::uuid IS NULL AND s."nodeId" = ${nodeId}::uuid AND s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${w.nodeBucketStart}
        GROUP BY 1, 2
        UNION ALL
        SELECT t."faultClass", t."faultOrigin", sum(t."count")::bigint FROM "StatsRollupNodeTarget" t
        WHERE ${targetId}::uuid IS NOT NULL AND t."nodeId" = ${nodeId}::uuid AND t."targetId" = ${targetId}::uuid AND t."hour" >= ${hourStart}
        GROUP BY 1, 2
        UNION ALL
        SELECT p."faultClass", p."faultOrigin", count(*)::bigint FROM "ProbeResult" p, w
        WHERE p."nodeId" = ${nodeId}::uuid AND (${targetId}::uuid IS NULL OR p."targetId" = ${targetId}::uuid)
          AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${w.start}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
        GROUP BY 1, 2
      )
      SELECT "faultClass", "faultOrigin", sum(n)::bigint AS n FROM parts, member WHERE member.ok GROUP BY 1, 2`;
  }
  const counts: ResultCounts = {
    window: query.window,
    since: w.start.toISOString(),
    total: 0,
    byBucket: { ok: 0, "502": 0, "504": 0, other_failure: 0 },
    byOrigin: { none: 0, proxy: 0, network: 0, target: 0, unknown: 0 },
    byFaultClass: {},
  };
  for (const row of rows) {
    const entry = FAULT_CLASSES[row.faultClass as FaultClass];
    const n = Number(row.n);
    if (!entry || !n) continue;
    counts.total += n;
    counts.byBucket[entry.bucket] += n;
    counts.byOrigin[row.faultOrigin in counts.byOrigin ? (row.faultOrigin as keyof ResultCounts["byOrigin"]) : "unknown"] += n;
    counts.byFaultClass[row.faultClass] = (counts.byFaultClass[row.faultClass] ?? 0) + n;
  }
  return counts;
}
