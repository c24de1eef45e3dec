import "server-only";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";

export const auditQuerySchema = z.object({
  nodeId: z.uuid().optional().catch(undefined),
  subjectType: z.string().max(40).optional().catch(undefined),
  action: z.string().max(80).optional().catch(undefined),
  actor: z.string().max(200).optional().catch(undefined),
  /** Events older than this id (keyset pagination: stable while new events arrive). */
  before: z.coerce.bigint().optional().catch(undefined),
  limit: z.coerce.number().int().min(1).max(500).default(100).catch(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export interface AuditEventRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  /** The subject's current name (node label or address, pool name, e-mail, key or target name); null when it is gone. */
  subjectName: string | null;
  nodeId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
}

export async function listAuditEvents(query: AuditQuery): Promise<{ events: AuditEventRow[]; nextBefore: string | null }> {
  const where: Prisma.AuditEventWhereInput = {};
  if (query.nodeId) where.OR = [{ nodeId: query.nodeId }, { subjectType: "node", subjectId: query.nodeId }];
  if (query.subjectType) where.subjectType = query.subjectType;
  if (query.action) where.action = { startsWith: query.action };
  if (query.actor) where.actor = { contains: query.actor, mode: "insensitive" };
  if (query.before !== undefined) where.id = { lt: query.before };
  const events = await prisma.auditEvent.findMany({ where, orderBy: { id: "desc" }, take: query.limit + 1 });
  const page = events.slice(0, query.limit);
  const names = await subjectNames(page);
  return {
    events: page.map((event) => ({
      id: event.id.toString(),
      at: event.at.toISOString(),
      actor: event.actor,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      subjectName: names.get(`${event.subjectType}:${event.subjectId}`) ?? null,
      nodeId: event.nodeId,
      reason: event.reason,
      before: event.before,
      after: event.after,
    })),
    nextBefore: events.length > query.limit ? page[page.length - 1].id.toString() : null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Names of the events' subjects, one query per subject type present ("type:id" → name). */
async function subjectNames(events: Array<{ subjectType: string; subjectId: string }>): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(events.filter((e) => e.subjectType === type && UUID.test(e.subjectId)).map((e) => e.subjectId))];
  const [nodes, pools, users, keys, targets] = await Promise.all([
    ids("node").length ? prisma.proxyNode.findMany({ where: { id: { in: ids("node") } }, select: { id: true, label: true, scheme: true, host: true, port: true } }) : [],
    ids("pool").length ? prisma.pool.findMany({ where: { id: { in: ids("pool") } }, select: { id: true, name: true } }) : [],
    ids("user").length ? prisma.user.findMany({ where: { id: { in: ids("user") } }, select: { id: true, email: true } }) : [],
    ids("api_key").length ? prisma.apiKey.findMany({ where: { id: { in: ids("api_key") } }, select: { id: true, name: true } }) : [],
    ids("probe_target").length ? prisma.probeTarget.findMany({ where: { id: { in: ids("probe_target") } }, select: { id: true, name: true, url: true } }) : [],
  ]);
  const names = new Map<string, string>();
  // (IPv6 hosts in brackets; lib/audit does not import lib/nodes, which writes audit events.)
  for (const n of nodes) names.set(`node:${n.id}`, n.label || `${n.scheme}://${n.host.includes(":") ? `[${n.host}]` : n.host}:${n.port}`);
  for (const p of pools) names.set(`pool:${p.id}`, p.name);
  for (const u of users) names.set(`user:${u.id}`, u.email);
  for (const k of keys) names.set(`api_key:${k.id}`, k.name);
  for (const t of targets) names.set(`probe_target:${t.id}`, t.name || t.url);
  return names;
}
