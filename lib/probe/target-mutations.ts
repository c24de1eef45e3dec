import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import type { ActionResult as MutationResult } from "@/lib/http/field-errors";
import type { poolProbeSettingsSchema, probeTargetSchema } from "./schema";
import type { z } from "zod";

export async function createProbeTarget(actor: Actor, input: z.output<typeof probeTargetSchema>): Promise<MutationResult<{ id: string }>> {
  try {
    const target = await prisma.$transaction(async (tx) => {
      const created = await tx.probeTarget.create({ data: input });
      await recordAuditEvents(tx, actor, [{ action: "probe_target.created", subjectType: "probe_target", subjectId: created.id, after: input }]);
      return created;
    });
    return { ok: true, id: target.id };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return { ok: false, fieldErrors: { url: "This URL is already a target." } };
    throw error;
  }
}

/** Removes the target, its raw results, and its place in every pool's probe settings. */
export async function deleteProbeTarget(actor: Actor, id: string): Promise<{ deleted: boolean }> {
  return prisma.$transaction(async (tx) => {
    const target = await tx.probeTarget.findUnique({ where: { id } });
    if (!target) return { deleted: false };
    await tx.$executeRaw`UPDATE "PoolProbeSettings" SET "targetIds" = array_remove("targetIds", ${id}::uuid) WHERE ${id}::uuid = ANY("targetIds")`;
    await tx.probeTarget.delete({ where: { id } });
    await recordAuditEvents(tx, actor, [{ action: "probe_target.deleted", subjectType: "probe_target", subjectId: id, before: { url: target.url, name: target.name } }]);
    return { deleted: true };
  });
}

export async function savePoolProbeSettings(actor: Actor, input: z.output<typeof poolProbeSettingsSchema>): Promise<MutationResult> {
  return prisma.$transaction(async (tx): Promise<MutationResult> => {
    const pool = await tx.pool.findUnique({ where: { id: input.poolId }, include: { probeSettings: true } });
    if (!pool) return { ok: false as const, fieldErrors: { form: "This pool no longer exists." } };
    const known = await tx.probeTarget.count({ where: { id: { in: input.targetIds } } });
    if (known !== input.targetIds.length) return { ok: false as const, fieldErrors: { targetIds: "A chosen target no longer exists; reload and choose again." } };
    const { poolId, ...settings } = input;
    await tx.poolProbeSettings.upsert({ where: { poolId }, create: { poolId, ...settings }, update: settings });
    const before = pool.probeSettings ? { ...pool.probeSettings, updatedAt: undefined } : null;
    await recordAuditEvents(tx, actor, [
      { action: "pool.probe_settings_changed", subjectType: "pool", subjectId: poolId, before: before ? JSON.parse(JSON.stringify(before)) : undefined, after: settings },
    ]);
    return { ok: true as const };
  });
}

/** Stops scheduled probes of one target through one node (Diagnose's "exclude the target for this node"); idempotent. */
export async function excludeTargetForNode(actor: Actor, input: { nodeId: string; targetId: string; reason: string }): Promise<MutationResult> {
  return prisma.$transaction(async (tx): Promise<MutationResult> => {
    const [node, target] = await Promise.all([
      tx.proxyNode.findUnique({ where: { id: input.nodeId }, select: { id: true } }),
      tx.probeTarget.findUnique({ where: { id: input.targetId }, select: { url: true } }),
    ]);
    if (!node) return { ok: false, code: "not_found", fieldErrors: { form: "This node no longer exists." } };
    if (!target) return { ok: false, code: "not_found", fieldErrors: { form: "This target no longer exists." } };
    const key = { nodeId: input.nodeId, targetId: input.targetId };
    if (await tx.nodeTargetExclusion.findUnique({ where: { nodeId_targetId: key } })) return { ok: true };
    await tx.nodeTargetExclusion.create({ data: { ...key, reason: input.reason.slice(0, 500), createdBy: actor.label } });
    await recordAuditEvents(tx, actor, [
      { action: "node.target_excluded", subjectType: "node", subjectId: input.nodeId, nodeId: input.nodeId, reason: input.reason, after: { targetId: input.targetId, url: target.url } },
    ]);
    return { ok: true };
  });
}

/** Probes the target through the node again. */
export async function includeTargetForNode(actor: Actor, input: { nodeId: string; targetId: string }): Promise<MutationResult> {
  return prisma.$transaction(async (tx): Promise<MutationResult> => {
    const removed = await tx.nodeTargetExclusion.deleteMany({ where: { nodeId: input.nodeId, targetId: input.targetId } });
    if (removed.count === 0) return { ok: true };
    const target = await tx.probeTarget.findUnique({ where: { id: input.targetId }, select: { url: true } });
    await recordAuditEvents(tx, actor, [
      { action: "node.target_included", subjectType: "node", subjectId: input.nodeId, nodeId: input.nodeId, before: { targetId: input.targetId, url: target?.url ?? null } },
    ]);
    return { ok: true };
  });
}
