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
  return {
    events: page.map((event) => ({
      id: event.id.toString(),
      at: event.at.toISOString(),
      actor: event.actor,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      nodeId: event.nodeId,
      reason: event.reason,
      before: event.before,
      after: event.after,
    })),
    nextBefore: events.length > query.limit ? page[page.length - 1].id.toString() : null,
  };
}
