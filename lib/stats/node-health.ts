import { nodeHealthRules, type NodeHealthRule } from "@/lib/health/data";
import { figuresFromClassRows, type ClassCountRow } from "./class-figures";
import { defaultStatsDb, epochMsSql, STATS_WATERMARK, type StatsDb } from "./db";
import { histFromIndexCountsSql, histIndexSql, histSumSql } from "./latency-histogram";
import { resolveWindow, sqlInstant, type StatsWindow } from "./windows";
import { rawTailBounds } from "./raw-tail";

export interface NodeHealthFigures {
  nodeId: string;
  requests: number;
  successRate: number | null;
  rate502: number | null;
  rate504: number | null;
  p95Ms: number | null;
  lastResult: { at: string; faultClass: string; reason: string; status: number | null } | null;
  exitIp: string | null;
  health: { state: string; pinned: boolean; reason: string | null; changedAt: string; nextCheckAt: string | null } | null;
  /** Whether automatic health watches the node (any of its pools) and its rule in words. */
  rule: NodeHealthRule;
}

/**
 * Health columns for one page of the nodes table (≤ 250 ids): per-node figures from
 * StatsRollupNode (+ raw rows past the watermark), the latest result and exit IP through the
 * (nodeId, startedAt) index, and the automation's state. Cost is per page, not per fleet.
 */
export async function nodeHealthFigures(nodeIds: string[], window: StatsWindow = "1h", db: StatsDb = defaultStatsDb, now = new Date()): Promise<Map<string, NodeHealthFigures>> {
  const out = new Map<string, NodeHealthFigures>();
  if (nodeIds.length === 0) return out;
  const w = resolveWindow(window, now);
  const tail = await rawTailBounds(w, db);
  const [rules, classRows, latest] = await Promise.all([
    nodeHealthRules(nodeIds, db),
    db.$queryRaw<Array<ClassCountRow & { nodeId: string }>>`
      WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
      parts AS (
        SELECT s."nodeId", s."faultClass", sum(s."count")::bigint AS n, ${histSumSql('s."hist"')} AS hist
        FROM "StatsRollupNode" s
        WHERE s."nodeId" = ANY(${nodeIds}::uuid[]) AND s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${sqlInstant(w.nodeBucketStart)}::timestamptz
        GROUP BY 1, 2
        UNION ALL
        SELECT r."nodeId", r."faultClass", sum(r.n)::bigint, ${histFromIndexCountsSql("r.idx", "r.n")}
        FROM (SELECT p."nodeId", p."faultClass", ${histIndexSql('p."totalMs"')} AS idx, count(*) AS n FROM "ProbeResult" p, w
              WHERE p."nodeId" = ANY(${nodeIds}::uuid[]) AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
              GROUP BY 1, 2, 3) r
        GROUP BY 1, 2
      )
      SELECT "nodeId", "faultClass", sum(n)::bigint AS n, 0::float8 AS ms, ${histSumSql("parts.hist")} AS hist FROM parts GROUP BY 1, 2`,
    db.$queryRaw<
      Array<{ nodeId: string; at: number | null; faultClass: string | null; reason: string | null; status: number | null; exitIp: string | null;
        hState: string | null; pinned: boolean | null; hReason: string | null; hChangedAt: number | null; nextCheckAt: number | null }>
    >`
      SELECT ids.id AS "nodeId", ${epochMsSql('last."startedAt"')} AS at, last."faultClass", last."reason", last."status", ip."exitIp",
             h."state" AS "hState", h."pinned", h."reason" AS "hReason", ${epochMsSql('h."changedAt"')} AS "hChangedAt", ${epochMsSql('h."nextCheckAt"')} AS "nextCheckAt"
      FROM unnest(${nodeIds}::uuid[]) AS ids(id)
      LEFT JOIN LATERAL (SELECT p."startedAt", p."faultClass", p."reason", p."status" FROM "ProbeResult" p
                         WHERE p."nodeId" = ids.id ORDER BY p."startedAt" DESC LIMIT 1) last ON true
      LEFT JOIN LATERAL (SELECT p."exitIp" FROM "ProbeResult" p
                         WHERE p."nodeId" = ids.id AND p."exitIp" IS NOT NULL AND p."startedAt" > ${sqlInstant(new Date(now.getTime() - 86_400_000))}::timestamptz
                         ORDER BY p."startedAt" DESC LIMIT 1) ip ON true
      LEFT JOIN "NodeHealth" h ON h."nodeId" = ids.id`,
  ]);
  const byNode = new Map<string, ClassCountRow[]>();
  for (const row of classRows) byNode.set(row.nodeId, [...(byNode.get(row.nodeId) ?? []), row]);
  for (const row of latest) {
    const f = figuresFromClassRows(byNode.get(row.nodeId) ?? []);
    out.set(row.nodeId, {
      nodeId: row.nodeId,
      requests: f.requests,
      successRate: f.successRate,
      rate502: f.rate502,
      rate504: f.rate504,
      p95Ms: f.p95Ms,
      lastResult: row.at !== null ? { at: new Date(row.at).toISOString(), faultClass: row.faultClass ?? "", reason: row.reason ?? "", status: row.status } : null,
      exitIp: row.exitIp,
      health: row.hState
        ? { state: row.hState, pinned: row.pinned ?? false, reason: row.hReason, changedAt: new Date(row.hChangedAt!).toISOString(), nextCheckAt: row.nextCheckAt === null ? null : new Date(row.nextCheckAt).toISOString() }
        : null,
      rule: rules.get(row.nodeId) ?? { automatic: false, rule: "" },
    });
  }
  return out;
}
