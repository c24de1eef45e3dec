import "server-only";
import { defaultStatsDb, type StatsDb } from "./db";
import { resolveQueryWindow, type StatsQuery } from "./windows";

export interface OperatorAction {
  at: string;
  action: string;
  actor: string;
  /** Who or what it was done to: a node's label or address, or a pool's name. */
  subject: string;
  reason: string | null;
}

/** What changes the traffic: state changes, rotations, automatic ejections, policy and schedule edits. */
const ANNOTATED_ACTIONS = [
  "node.enabled",
  "node.drained",
  "node.disabled",
  "node.deleted",
  "node.rotated",
  "node.rotation_failed",
  "node.auto_ejected",
  "node.auto_readmitted",
  "pool.health_policy_saved",
  "pool.probe_settings_changed",
  "pool.checkout_settings_changed",
  "pool.gateway_settings_changed",
  "pool.weights_changed",
];

/**
 * Operator (and automation) actions inside the window, drawn as annotations on the overview's
 * chart: with a pool, only actions on that pool or on its nodes. At most `limit`, newest first.
 * (AuditEvent."at" is a timestamp without zone holding UTC: both bounds are bound as Dates.)
 */
export async function operatorActions(query: StatsQuery, limit = 50, db: StatsDb = defaultStatsDb, now = new Date()): Promise<OperatorAction[]> {
  const w = resolveQueryWindow(query, now);
  const rows = await db.$queryRaw<Array<{ at: Date; action: string; actor: string; reason: string | null; subject: string | null; subjectId: string }>>`
    SELECT e."at", e."action", e."actor", e."reason", e."subjectId",
           coalesce(nullif(n."label", ''), n."host" || ':' || n."port", p."name") AS subject
    FROM "AuditEvent" e
    LEFT JOIN "ProxyNode" n ON e."subjectType" = 'node' AND n."id"::text = e."subjectId"
    LEFT JOIN "Pool" p ON e."subjectType" = 'pool' AND p."id"::text = e."subjectId"
    WHERE e."at" >= ${w.start} AND (${w.end}::timestamp IS NULL OR e."at" < ${w.end}::timestamp) AND e."action" = ANY(${ANNOTATED_ACTIONS}::text[])
      AND (${query.poolId ?? null}::uuid IS NULL
           OR (e."subjectType" = 'pool' AND e."subjectId" = ${query.poolId ?? null}::text)
           OR (e."subjectType" = 'node' AND e."subjectId" IN (SELECT m."nodeId"::text FROM "PoolMembership" m WHERE m."poolId" = ${query.poolId ?? null}::uuid)))
    ORDER BY e."id" DESC
    LIMIT ${limit}`;
  return rows.map((r) => ({ at: r.at.toISOString(), action: r.action, actor: r.actor, subject: r.subject ?? r.subjectId.slice(0, 8), reason: r.reason }));
}
