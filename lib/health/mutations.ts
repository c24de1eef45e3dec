import "server-only";
import { prisma } from "@/lib/db/prisma";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import type { z } from "zod";
import type { healthPolicySchema } from "./schema";

/**
 * Pins (or unpins) nodes: a pinned node keeps whatever state the operator gives it; automation
 * still counts its results but never ejects or re-admits it. Locks the node rows first, in the
 * same order as the health evaluator (node, then health), so the two serialise without deadlock.
 */
export async function setNodesPinned(actor: Actor, nodeIds: string[], pinned: boolean): Promise<{ changed: number }> {
  return prisma.$transaction(async (tx) => {
    const nodes = await tx.$queryRaw<Array<{ id: string; state: string }>>`
      SELECT "id", "state"::text AS state FROM "ProxyNode" WHERE "id" = ANY(${nodeIds}::uuid[]) ORDER BY "id" FOR UPDATE`;
    const ids = nodes.map((n) => n.id);
    const before = await tx.nodeHealth.findMany({ where: { nodeId: { in: ids } }, select: { nodeId: true, pinned: true } });
    const wasPinned = new Map(before.map((h) => [h.nodeId, h.pinned]));
    const changed = nodes.filter((n) => (wasPinned.get(n.id) ?? false) !== pinned);
    if (changed.length === 0) return { changed: 0 };
    await tx.$executeRaw`
      INSERT INTO "NodeHealth" ("nodeId", "pinned", "updatedAt") SELECT unnest(${changed.map((n) => n.id)}::uuid[]), ${pinned}, now()
      ON CONFLICT ("nodeId") DO UPDATE SET "pinned" = excluded."pinned", "updatedAt" = now()`;
    await recordAuditEvents(
      tx,
      actor,
      changed.map((n) => ({
        action: pinned ? "node.pinned" : "node.unpinned",
        subjectType: "node" as const,
        subjectId: n.id,
        nodeId: n.id,
        before: { pinned: !pinned, state: n.state },
        after: { pinned, state: n.state },
      })),
    );
    return { changed: changed.length };
  });
}

export async function savePoolHealthPolicy(actor: Actor, poolId: string, input: z.output<typeof healthPolicySchema>): Promise<{ ok: true }> {
  await prisma.$transaction(async (tx) => {
    const before = await tx.poolHealthPolicy.findUnique({ where: { poolId } });
    await tx.poolHealthPolicy.upsert({ where: { poolId }, create: { poolId, ...input }, update: input });
    await recordAuditEvents(tx, actor, [
      { action: "pool.health_policy_saved", subjectType: "pool", subjectId: poolId, before: before ? { ...before, updatedAt: before.updatedAt.toISOString() } : undefined, after: input },
    ]);
  });
  return { ok: true };
}
