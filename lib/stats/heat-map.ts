import { NODE_FAULT_ORIGINS } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { topOffendingNodes } from "./top-nodes";
import { resolveQueryWindow, sqlInstant, type StatsQuery } from "./windows";
import { rawTailBounds } from "./raw-tail";

export interface HeatMap {
  /** Worst first (failure rate over the targets shown). */
  nodes: Array<{ id: string; name: string; failureRate: number }>;
  targets: Array<{ id: string; name: string; url: string; failureRate: number }>;
  /** cells[i][j]: node i × target j; null = no results. */
  cells: Array<Array<HeatMapCell | null>>;
}

export interface HeatMapCell {
  requests: number;
  failures: number;
  nodeFailures: number;
  failureRate: number;
  /** The most frequent failure class of the cell (null when it has none). */
  dominantClass: string | null;
}

/**
 * Node × target failure rates for the nodes with the most failures: a row red on one column is
 * "node X is blocked by target Y", a row red everywhere is "node X is dead". Reads the probe
 * node×target×hour rollup (StatsRollupNodeTarget) plus raw rows past the "stats" watermark,
 * for the worst nodes only (picked from the cheaper node rollup first, so the node×target rows
 * are read through their primary key for those nodes instead of aggregated fleet-wide).
 */
export async function nodeTargetHeatMap(query: StatsQuery, maxNodes = 30, db: StatsDb = defaultStatsDb, now = new Date(), worstNodeIds?: string[]): Promise<HeatMap> {
  const w = resolveQueryWindow(query, now);
  const tail = await rawTailBounds(w, db);
  const hourStart = new Date(Math.floor(w.start.getTime() / 3_600_000) * 3_600_000);
  const worstIds = worstNodeIds ?? (await topOffendingNodes(query, maxNodes, db, now)).map((n) => n.id);
  if (worstIds.length === 0) return { nodes: [], targets: [], cells: [] };
  const rows = await db.$queryRaw<Array<{ nodeId: string; targetId: string; requests: bigint; failures: bigint; nodeFailures: bigint; dominantClass: string | null }>>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    parts AS (
      SELECT h."nodeId", h."targetId", h."faultClass", h."faultOrigin", sum(h."count")::bigint AS n FROM "StatsRollupNodeTarget" h
      WHERE h."nodeId" = ANY(${worstIds}::uuid[]) AND h."hour" >= ${sqlInstant(hourStart)}::timestamptz
        AND (${sqlInstant(w.hourEnd)}::timestamptz IS NULL OR h."hour" < ${sqlInstant(w.hourEnd)}::timestamptz)
      GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT p."nodeId", p."targetId", p."faultClass", p."faultOrigin", count(*)::bigint FROM "ProbeResult" p, w
      WHERE p."nodeId" = ANY(${worstIds}::uuid[]) AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
        AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz)
      GROUP BY 1, 2, 3, 4
    ), by_class AS (
      SELECT "nodeId", "targetId", "faultClass",
             sum(n)::bigint AS n,
             coalesce(sum(n) FILTER (WHERE "faultOrigin" = ANY(${NODE_FAULT_ORIGINS}::text[])), 0)::bigint AS "nodeN"
      FROM parts GROUP BY 1, 2, 3
    ), cells AS (
      SELECT "nodeId", "targetId", sum(n)::bigint AS requests,
             coalesce(sum(n) FILTER (WHERE "faultClass" <> 'ok'), 0)::bigint AS failures,
             coalesce(sum("nodeN") FILTER (WHERE "faultClass" <> 'ok'), 0)::bigint AS "nodeFailures",
             (array_agg("faultClass" ORDER BY n DESC, "faultClass") FILTER (WHERE "faultClass" <> 'ok'))[1] AS "dominantClass"
      FROM by_class GROUP BY 1, 2
    )
    SELECT * FROM cells`;
  const nodeIds = [...new Set(rows.map((r) => r.nodeId))];
  const targetIds = [...new Set(rows.map((r) => r.targetId))];
  const [nodes, targets] = await Promise.all([
    db.$queryRaw<Array<{ id: string; host: string; port: number; label: string }>>`SELECT "id", "host", "port", "label" FROM "ProxyNode" WHERE "id" = ANY(${nodeIds}::uuid[]) ORDER BY "host", "port"`,
    db.$queryRaw<Array<{ id: string; url: string; name: string }>>`SELECT "id", "url", "name" FROM "ProbeTarget" WHERE "id" = ANY(${targetIds}::uuid[]) ORDER BY "url"`,
  ]);
  const cell = new Map(rows.map((r) => [`${r.nodeId}|${r.targetId}`, r]));
  // Worst first: rows by the node's failure rate over all its targets, columns by the target's.
  const rate = (pick: (r: (typeof rows)[number]) => boolean) => {
    let failures = 0;
    let requests = 0;
    for (const r of rows) {
      if (!pick(r)) continue;
      failures += Number(r.failures);
      requests += Number(r.requests);
    }
    return failures / Math.max(1, requests);
  };
  const nodeRate = new Map(nodes.map((n) => [n.id, rate((r) => r.nodeId === n.id)]));
  const targetRate = new Map(targets.map((t) => [t.id, rate((r) => r.targetId === t.id)]));
  nodes.sort((a, b) => nodeRate.get(b.id)! - nodeRate.get(a.id)!);
  targets.sort((a, b) => targetRate.get(b.id)! - targetRate.get(a.id)!);
  return {
    nodes: nodes.map((n) => ({ id: n.id, name: n.label || `${n.host}:${n.port}`, failureRate: nodeRate.get(n.id)! })),
    targets: targets.map((t) => ({ id: t.id, name: t.name || t.url, url: t.url, failureRate: targetRate.get(t.id)! })),
    cells: nodes.map((n) =>
      targets.map((t) => {
        const r = cell.get(`${n.id}|${t.id}`);
        if (!r) return null;
        const requests = Number(r.requests);
        return { requests, failures: Number(r.failures), nodeFailures: Number(r.nodeFailures), failureRate: Number(r.failures) / Math.max(1, requests), dominantClass: r.dominantClass };
      }),
    ),
  };
}
