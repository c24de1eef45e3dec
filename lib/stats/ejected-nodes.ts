import "server-only";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import { defaultStatsDb, epochMsSql, type StatsDb } from "./db";
import { resolveQueryWindow, sqlInstant, type StatsQuery } from "./windows";

export interface EjectedNode {
  id: string;
  name: string;
  /** Why automation took it out ("2 node-caused failures in a row", …). */
  reason: string | null;
  since: string;
  /** When the next re-test is due. */
  nextCheckAt: string | null;
  /** Its failed attempts through the forward-proxy gateway in the window or custom range. */
  gatewayFailures: number;
}

export interface EjectedNodes {
  /** All nodes automation holds out now (the list is capped). */
  total: number;
  nodes: EjectedNode[];
}

/**
 * Nodes automatic health holds out of rotation right now (NodeHealth state "ejected"), in the
 * pool if one is selected, newest first, with how often each failed gateway requests in the window.
 */
export async function ejectedNodes(query: StatsQuery, limit = 20, db: StatsDb = defaultStatsDb, now = new Date()): Promise<EjectedNodes> {
  const w = resolveQueryWindow(query, now);
  const poolId = query.poolId ?? null;
  const rows = await db.$queryRaw<
    Array<{ id: string; host: string; port: number; label: string; scheme: string; reason: string | null; changedAt: number; nextCheckAt: number | null; total: bigint; gatewayFailures: bigint }>
  >`
    SELECT e.*, (SELECT count(*) FROM "ProbeResult" p
                 WHERE p."nodeId" = e."id" AND p."startedAt" >= ${sqlInstant(w.start)}::timestamptz
                   AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz) AND p."source" = 'gateway' AND p."bucket" <> 'ok')::bigint AS "gatewayFailures"
    FROM (
      SELECT n."id", n."host", n."port", n."label", n."scheme"::text AS scheme, h."reason", ${epochMsSql('h."changedAt"')} AS "changedAt", ${epochMsSql('h."nextCheckAt"')} AS "nextCheckAt", count(*) OVER ()::bigint AS total
      FROM "NodeHealth" h JOIN "ProxyNode" n ON n."id" = h."nodeId"
      WHERE h."state" = 'ejected'
        AND (${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = n."id" AND m."poolId" = ${poolId}::uuid))
      ORDER BY h."changedAt" DESC, n."id"
      LIMIT ${limit}
    ) e
    ORDER BY e."changedAt" DESC, e."id"`;
  return {
    total: Number(rows[0]?.total ?? 0),
    nodes: rows.map((r) => ({
      id: r.id,
      name: r.label || `${r.scheme}://${formatHostPort(r.host, r.port)}`,
      reason: r.reason,
      since: new Date(r.changedAt).toISOString(),
      nextCheckAt: r.nextCheckAt === null ? null : new Date(r.nextCheckAt).toISOString(),
      gatewayFailures: Number(r.gatewayFailures),
    })),
  };
}
