import "server-only";
import { z } from "zod";
import { listNodes, nodeIdsMatching, nodeRowsByIds, type NodePage, type NodeRow } from "@/lib/nodes/data";
import { nodeListQuerySchema, type NodeListQuery } from "@/lib/nodes/schema";
import { CLASSES_502, CLASSES_504, NODE_FAULT_ORIGINS } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { nodeHealthFigures, type NodeHealthFigures } from "./node-health";
import { HEALTH_FILTERS, HEALTH_SORTS, resolveWindow, sqlInstant } from "./windows";
import { rawTailBounds } from "./raw-tail";

/** A row of the nodes table: the registry's row plus live health columns (last hour). */
export interface NodeTableRow extends NodeRow {
  health?: NodeHealthFigures;
}
export interface NodeTablePage extends Omit<NodePage, "rows"> {
  rows: NodeTableRow[];
}

/** The nodes table sorted by node fields (the registry's list), with the health columns. */
export async function listNodesWithHealth(query: NodeListQuery, db: StatsDb = defaultStatsDb): Promise<NodeTablePage> {
  const page = await listNodes(query);
  const health = await nodeHealthFigures(page.rows.map((row) => row.id), "1h", db);
  return { ...page, rows: page.rows.map((row) => ({ ...row, health: health.get(row.id) })) };
}

export const healthTableQuerySchema = nodeListQuerySchema.omit({ sort: true }).extend({
  sort: z.enum(HEALTH_SORTS).default("successRate"),
  health: z.enum(HEALTH_FILTERS).optional().or(z.literal("").transform(() => undefined)),
});

/**
 * The nodes table sorted or filtered by live health (last hour): the filter's ids (≤ 10,000)
 * are ranked in one aggregate over StatsRollupNode (5-minute grain) plus raw rows past the
 * watermark, then one page of rows is loaded. Nodes without results sort as "no data" (last).
 * "failing" = at least one failure the node or the network caused in that hour (FAILING_RULE);
 * a target's block or its own 5xx is not the node's fault.
 */
export async function listNodesByHealth(input: z.output<typeof healthTableQuerySchema>, db: StatsDb = defaultStatsDb, now = new Date()): Promise<NodeTablePage> {
  const ids = await nodeIdsMatching(input);
  const w = resolveWindow("1h", now);
  const tail = await rawTailBounds(w, db);
  const desc = input.direction === "desc";
  const ranked = await db.$queryRaw<Array<{ id: string; total: bigint }>>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    ids AS (SELECT unnest(${ids}::uuid[]) AS id),
    parts AS (
      SELECT s."nodeId", s."faultClass", s."faultOrigin", s."count"::bigint AS n FROM "StatsRollupNode" s
      WHERE s."nodeId" = ANY(${ids}::uuid[]) AND s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${sqlInstant(w.nodeBucketStart)}::timestamptz
      UNION ALL
      SELECT p."nodeId", p."faultClass", p."faultOrigin", 1 FROM "ProbeResult" p, w
      WHERE p."nodeId" = ANY(${ids}::uuid[]) AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
    ), agg AS (
      SELECT "nodeId", sum(n) AS requests,
             sum(n) FILTER (WHERE "faultClass" = 'ok') AS ok,
             sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_502}::text[])) AS c502,
             sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_504}::text[])) AS c504,
             sum(n) FILTER (WHERE "faultClass" <> 'ok' AND "faultOrigin" = ANY(${NODE_FAULT_ORIGINS}::text[])) AS "nodeFailures"
      FROM parts GROUP BY 1
    ), scored AS (
      SELECT ids.id, CASE ${input.sort}::text
               WHEN 'successRate' THEN coalesce(agg.ok, 0)::float8 / nullif(agg.requests, 0)
               WHEN 'rate502' THEN coalesce(agg.c502, 0)::float8 / nullif(agg.requests, 0)
               WHEN 'rate504' THEN coalesce(agg.c504, 0)::float8 / nullif(agg.requests, 0)
               ELSE agg.requests::float8 END AS score,
             h."state" AS hstate, h."pinned",
             coalesce(agg."nodeFailures", 0) AS failures
      FROM ids LEFT JOIN agg ON agg."nodeId" = ids.id LEFT JOIN "NodeHealth" h ON h."nodeId" = ids.id
    )
    SELECT id, count(*) OVER () AS total FROM scored
    WHERE (${input.health ?? null}::text IS NULL
           OR (${input.health ?? null}::text = 'failing' AND failures > 0)
           OR (${input.health ?? null}::text = 'ejected' AND hstate = 'ejected')
           OR (${input.health ?? null}::text = 'pinned' AND pinned))
    ORDER BY CASE WHEN ${desc} THEN score END DESC NULLS LAST, CASE WHEN NOT ${desc} THEN score END ASC NULLS LAST, id
    OFFSET ${(input.page - 1) * input.pageSize} LIMIT ${input.pageSize}`;
  const pageIds = ranked.map((r) => r.id);
  const [rows, health] = await Promise.all([nodeRowsByIds(pageIds), nodeHealthFigures(pageIds, "1h", db)]);
  let total = ranked.length ? Number(ranked[0].total) : 0;
  if (!ranked.length && input.page === 1) total = 0;
  return { rows: rows.map((row) => ({ ...row, health: health.get(row.id) })), total, page: input.page, pageSize: input.pageSize };
}
