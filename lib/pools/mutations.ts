import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { isUniqueViolation } from "@/lib/db/errors";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents, type AuditEventInput } from "@/lib/audit/record-audit-event";
import type { ActionResult as MutationResult } from "@/lib/http/field-errors";
import { DEFAULT_PROXY_GATEWAY_SETTINGS, DEFAULT_STICKY_TTL_SECONDS, DEFAULT_STRATEGY, type MembershipChange, type PoolChange, type PoolInput } from "./schema";

// Every pool write: one transaction with its audit events, used by the UI actions and the REST
// routes alike.

const DUPLICATE_NAME = { ok: false, code: "conflict", fieldErrors: { name: "A pool with this name already exists." } } as const;
const GONE = { ok: false, code: "not_found", fieldErrors: { form: "This pool no longer exists." } } as const;

type Tx = Prisma.TransactionClient;

/** Upserts the pool's checkout settings when the input carries any; returns the audit event. */
async function saveCheckoutSettings(tx: Tx, poolId: string, input: Pick<PoolChange, "strategy" | "stickyTtlSeconds">): Promise<AuditEventInput[]> {
  if (input.strategy === undefined && input.stickyTtlSeconds === undefined) return [];
  const before = await tx.poolGatewaySettings.findUnique({ where: { poolId } });
  const after = await tx.poolGatewaySettings.upsert({
    where: { poolId },
    create: { poolId, strategy: input.strategy ?? DEFAULT_STRATEGY, stickyTtlSeconds: input.stickyTtlSeconds ?? DEFAULT_STICKY_TTL_SECONDS },
    update: { ...(input.strategy ? { strategy: input.strategy } : {}), ...(input.stickyTtlSeconds ? { stickyTtlSeconds: input.stickyTtlSeconds } : {}) },
  });
  return [
    {
      action: "pool.checkout_settings_changed",
      subjectType: "pool",
      subjectId: poolId,
      before: { strategy: before?.strategy ?? DEFAULT_STRATEGY, stickyTtlSeconds: before?.stickyTtlSeconds ?? DEFAULT_STICKY_TTL_SECONDS },
      after: { strategy: after.strategy, stickyTtlSeconds: after.stickyTtlSeconds },
    },
  ];
}

/** Upserts the forward-proxy gateway's retry settings when the input carries any; returns the audit event. */
async function saveProxyGatewaySettings(tx: Tx, poolId: string, change: PoolChange["proxyGateway"]): Promise<AuditEventInput[]> {
  if (!change || Object.keys(change).length === 0) return [];
  const stored = await tx.poolProxyGatewaySettings.findUnique({ where: { poolId } });
  const before = {
    maxAttempts: stored?.maxAttempts ?? DEFAULT_PROXY_GATEWAY_SETTINGS.maxAttempts,
    deadlineMs: stored?.deadlineMs ?? DEFAULT_PROXY_GATEWAY_SETTINGS.deadlineMs,
    connectTimeoutMs: stored?.connectTimeoutMs ?? DEFAULT_PROXY_GATEWAY_SETTINGS.connectTimeoutMs,
    firstByteTimeoutMs: stored?.firstByteTimeoutMs ?? DEFAULT_PROXY_GATEWAY_SETTINGS.firstByteTimeoutMs,
    retryTargetFailures: stored?.retryTargetFailures ?? DEFAULT_PROXY_GATEWAY_SETTINGS.retryTargetFailures,
    retryNonIdempotent: stored?.retryNonIdempotent ?? DEFAULT_PROXY_GATEWAY_SETTINGS.retryNonIdempotent,
  };
  const after = { ...before, ...change };
  await tx.poolProxyGatewaySettings.upsert({ where: { poolId }, create: { poolId, ...after }, update: after });
  return [{ action: "pool.gateway_settings_changed", subjectType: "pool", subjectId: poolId, before, after }];
}

export async function createPool(actor: Actor, input: PoolInput): Promise<MutationResult<{ id: string }>> {
  try {
    const id = await prisma.$transaction(async (tx) => {
      const created = await tx.pool.create({ data: { name: input.name, description: input.description } });
      const settings = await saveCheckoutSettings(tx, created.id, input);
      const gatewaySettings = await saveProxyGatewaySettings(tx, created.id, input.proxyGateway);
      await recordAuditEvents(tx, actor, [{ action: "pool.created", subjectType: "pool", subjectId: created.id, after: { name: input.name, description: input.description } }, ...settings, ...gatewaySettings]);
      return created.id;
    });
    return { ok: true, id };
  } catch (error) {
    if (isUniqueViolation(error)) return DUPLICATE_NAME;
    throw error;
  }
}

export async function updatePool(actor: Actor, id: string, change: PoolChange): Promise<MutationResult> {
  try {
    return await prisma.$transaction(async (tx) => {
      const before = await tx.pool.findUnique({ where: { id } });
      if (!before) return GONE;
      const events: AuditEventInput[] = [];
      if (change.name !== undefined || change.description !== undefined) {
        const after = { name: change.name ?? before.name, description: change.description ?? before.description };
        await tx.pool.update({ where: { id }, data: after });
        events.push({ action: "pool.updated", subjectType: "pool", subjectId: id, before: { name: before.name, description: before.description }, after });
      }
      events.push(...(await saveCheckoutSettings(tx, id, change)));
      events.push(...(await saveProxyGatewaySettings(tx, id, change.proxyGateway)));
      await recordAuditEvents(tx, actor, events);
      return { ok: true as const };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return DUPLICATE_NAME;
    throw error;
  }
}

/** Deleting a pool removes memberships, weights and settings; its nodes stay in the registry. */
export async function deletePool(actor: Actor, id: string): Promise<{ deleted: boolean }> {
  return prisma.$transaction(async (tx) => {
    const pool = await tx.pool.findUnique({ where: { id }, include: { _count: { select: { members: true } } } });
    if (!pool) return { deleted: false };
    await tx.pool.delete({ where: { id } });
    await tx.poolGatewaySettings.deleteMany({ where: { poolId: id } });
    await tx.poolProxyGatewaySettings.deleteMany({ where: { poolId: id } });
    await tx.poolNodeWeight.deleteMany({ where: { poolId: id } });
    await recordAuditEvents(tx, actor, [{ action: "pool.deleted", subjectType: "pool", subjectId: id, before: { name: pool.name, members: pool._count.members } }]);
    return { deleted: true };
  });
}

/** Adds and removes members and sets weights, in one transaction with one audit event per kind of change. */
export async function changePoolMembers(actor: Actor, poolId: string, change: MembershipChange): Promise<MutationResult<{ added: number; removed: number; weighted: number }>> {
  return prisma.$transaction(async (tx) => {
    if (!(await tx.pool.findUnique({ where: { id: poolId }, select: { id: true } }))) return GONE;
    const events: AuditEventInput[] = [];
    let added = 0;
    let removed = 0;
    if (change.add?.length) {
      added = await addPoolMembers(tx, poolId, change.add);
      events.push({ action: "pool.nodes_added", subjectType: "pool", subjectId: poolId, after: { nodes: added } });
    }
    if (change.remove?.length) {
      removed = (await tx.poolMembership.deleteMany({ where: { poolId, nodeId: { in: change.remove } } })).count;
      events.push({ action: "pool.nodes_removed", subjectType: "pool", subjectId: poolId, after: { nodes: removed } });
    }
    const weights = Object.entries(change.weights ?? {});
    if (weights.length) {
      await tx.$executeRaw`
        INSERT INTO "PoolNodeWeight" ("poolId", "nodeId", "weight")
        SELECT ${poolId}::uuid, w.node, w.weight FROM unnest(${weights.map(([id]) => id)}::uuid[], ${weights.map(([, w]) => w)}::int[]) AS w(node, weight)
        ON CONFLICT ("poolId", "nodeId") DO UPDATE SET "weight" = EXCLUDED."weight"`;
      events.push({ action: "pool.weights_changed", subjectType: "pool", subjectId: poolId, after: Object.fromEntries(weights) });
    }
    await recordAuditEvents(tx, actor, events);
    return { ok: true as const, added, removed, weighted: weights.length };
  });
}

// Membership writes that belong to another folder's transaction: lib/nodes sets a node's pools
// when it creates, edits or imports nodes, through these, so PoolMembership is written only here.

/** Adds nodes to a pool inside the caller's transaction; members already there stay as they are. Returns how many joined. */
export async function addPoolMembers(tx: Tx, poolId: string, nodeIds: string[]): Promise<number> {
  if (nodeIds.length === 0) return 0;
  return tx.$executeRaw`INSERT INTO "PoolMembership" ("poolId", "nodeId") SELECT ${poolId}::uuid, unnest(${nodeIds}::uuid[]) ON CONFLICT DO NOTHING`;
}

/**
 * Makes `poolIds` exactly the node's pools inside the caller's transaction: leaves the pools it
 * keeps untouched (their addedAt stays), drops the others, joins the new ones.
 */
export async function setNodePools(tx: Tx, nodeId: string, poolIds: string[]): Promise<void> {
  await tx.poolMembership.deleteMany({ where: { nodeId, poolId: { notIn: poolIds } } });
  await tx.$executeRaw`INSERT INTO "PoolMembership" ("poolId", "nodeId") SELECT unnest(${poolIds}::uuid[]), ${nodeId}::uuid ON CONFLICT DO NOTHING`;
}
