import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { listPools, type PoolSummary } from "@/lib/nodes/data";
import { createPool, deletePool, setPoolMembership, updatePool } from "@/lib/nodes/mutations";
import { poolSchema as poolInputSchema } from "@/lib/nodes/schema";
import { defineRoute } from "../api-route";
import { assertPoolExistsAndAccess } from "../access";
import { ApiError, fieldErrorsToApiError, validationError } from "@/lib/http/api-errors";
import { createPoolBody, cursorParam, deletedSchema, idParams, limitParam, membershipBody, poolPageSchema, poolSchema, updatePoolBody } from "../schemas";
import { DEFAULT_STICKY_TTL_SECONDS, DEFAULT_STRATEGY, strategyOf, type Strategy } from "@/lib/pools/schema";

async function withSettings(pools: PoolSummary[]): Promise<Array<z.infer<typeof poolSchema>>> {
  const settings = await prisma.poolGatewaySettings.findMany({ where: { poolId: { in: pools.map((pool) => pool.id) } } });
  const byPool = new Map(settings.map((row) => [row.poolId, row]));
  return pools.map((pool) => {
    const row = byPool.get(pool.id);
    const strategy = strategyOf(row?.strategy);
    return { ...pool, strategy, stickyTtlSeconds: row?.stickyTtlSeconds ?? DEFAULT_STICKY_TTL_SECONDS };
  });
}

async function loadPool(id: string) {
  const pool = (await listPools()).find((candidate) => candidate.id === id);
  if (!pool) throw new ApiError("not_found", "No such pool.");
  return (await withSettings([pool]))[0];
}

/** Upserts the pool's checkout settings with an audit event, when the body carries any. */
async function saveGatewaySettings(actor: Actor, poolId: string, input: { strategy?: Strategy; stickyTtlSeconds?: number }) {
  if (input.strategy === undefined && input.stickyTtlSeconds === undefined) return;
  await prisma.$transaction(async (tx) => {
    const before = await tx.poolGatewaySettings.findUnique({ where: { poolId } });
    const after = await tx.poolGatewaySettings.upsert({
      where: { poolId },
      create: { poolId, strategy: input.strategy ?? DEFAULT_STRATEGY, stickyTtlSeconds: input.stickyTtlSeconds ?? DEFAULT_STICKY_TTL_SECONDS },
      update: { ...(input.strategy ? { strategy: input.strategy } : {}), ...(input.stickyTtlSeconds ? { stickyTtlSeconds: input.stickyTtlSeconds } : {}) },
    });
    await recordAuditEvents(tx, actor, [
      {
        action: "pool.checkout_settings_changed",
        subjectType: "pool",
        subjectId: poolId,
        before: before ? { strategy: before.strategy, stickyTtlSeconds: before.stickyTtlSeconds } : { strategy: DEFAULT_STRATEGY, stickyTtlSeconds: DEFAULT_STICKY_TTL_SECONDS },
        after: { strategy: after.strategy, stickyTtlSeconds: after.stickyTtlSeconds },
      },
    ]);
  });
}

export const listPoolsRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/pools",
    operationId: "listPools",
    summary: "List pools by name, with node counts and checkout settings",
    tag: "pools",
    scope: "read",
    query: z.object({ cursor: cursorParam, limit: limitParam }).strict(),
    response: poolPageSchema,
  },
  async ({ actor, query }) => {
    // Pools are few; the cursor is the last name seen.
    const after = query.cursor ? Buffer.from(query.cursor, "base64url").toString("utf8") : "";
    const pools = (await listPools()).filter((pool) => (!actor.poolId || pool.id === actor.poolId) && pool.name > after);
    const page = pools.slice(0, query.limit);
    const last = page[page.length - 1];
    return { data: await withSettings(page), nextCursor: pools.length > query.limit && last ? Buffer.from(last.name).toString("base64url") : null };
  },
);

export const getPoolRoute = defineRoute(
  { method: "GET", path: "/api/v1/pools/{id}", operationId: "getPool", summary: "One pool", tag: "pools", scope: "read", params: idParams, response: poolSchema, errors: ["not_found"] },
  async ({ actor, params }) => {
    assertPoolAccess(actor, params.id);
    return loadPool(params.id);
  },
);

export const createPoolRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/pools",
    operationId: "createPool",
    summary: "Create a pool (not for pool-restricted keys)",
    tag: "pools",
    scope: "write",
    body: createPoolBody,
    response: poolSchema,
    status: 201,
    errors: ["bad_request", "conflict", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, body }) => {
    if (actor.poolId) throw new ApiError("forbidden", "A pool-restricted key cannot create pools.");
    const parsed = poolInputSchema.safeParse({ name: body.name, description: body.description ?? "" });
    if (!parsed.success) throw validationError(parsed.error);
    const result = await createPool(actor, parsed.data);
    if (!result.ok) throw fieldErrorsToApiError(result.fieldErrors);
    await saveGatewaySettings(actor, result.id, body);
    return loadPool(result.id);
  },
);

export const updatePoolRoute = defineRoute(
  {
    method: "PATCH",
    path: "/api/v1/pools/{id}",
    operationId: "updatePool",
    summary: "Rename a pool, change its description or checkout strategy",
    tag: "pools",
    scope: "write",
    params: idParams,
    body: updatePoolBody,
    response: poolSchema,
    errors: ["bad_request", "not_found", "conflict", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => {
    await assertPoolExistsAndAccess(actor, params.id);
    if (body.name !== undefined || body.description !== undefined) {
      const current = await loadPool(params.id);
      const parsed = poolInputSchema.safeParse({ name: body.name ?? current.name, description: body.description ?? current.description });
      if (!parsed.success) throw validationError(parsed.error);
      const result = await updatePool(actor, params.id, parsed.data);
      if (!result.ok) throw fieldErrorsToApiError(result.fieldErrors);
    }
    await saveGatewaySettings(actor, params.id, body);
    return loadPool(params.id);
  },
);

export const deletePoolRoute = defineRoute(
  { method: "DELETE", path: "/api/v1/pools/{id}", operationId: "deletePool", summary: "Delete a pool (its nodes stay)", tag: "pools", scope: "write", params: idParams, response: deletedSchema, errors: ["not_found"] },
  async ({ actor, params }) => {
    await assertPoolExistsAndAccess(actor, params.id);
    const { deleted } = await deletePool(actor, params.id);
    return { deleted: deleted ? 1 : 0 };
  },
);

export const poolMembersRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/pools/{id}/members",
    operationId: "changePoolMembers",
    summary: "Add or remove nodes, set per-node weights",
    tag: "pools",
    scope: "write",
    params: idParams,
    body: membershipBody,
    response: z.object({ added: z.int(), removed: z.int(), weighted: z.int(), pool: poolSchema }),
    errors: ["bad_request", "not_found", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => {
    await assertPoolExistsAndAccess(actor, params.id);
    const ids = [...(body.add ?? []), ...(body.remove ?? []), ...Object.keys(body.weights ?? {})];
    const unique = [...new Set(ids)];
    if (unique.length && (await prisma.proxyNode.count({ where: { id: { in: unique } } })) !== unique.length) {
      throw new ApiError("unprocessable_entity", "Some nodes do not exist.", { fields: { nodeIds: "Unknown node id." } });
    }
    if (actor.poolId && unique.length) {
      // A restricted key names only nodes it can already see (members of its pool): adding a node
      // from another pool, or from no pool, would hand it a node it could not read before.
      const visible = await prisma.poolMembership.count({ where: { nodeId: { in: unique }, poolId: actor.poolId } });
      if (visible !== unique.length) throw new ApiError("forbidden", "Some of these nodes are outside this key's pool.");
    }
    const added = body.add?.length ? (await setPoolMembership(actor, { poolId: params.id, nodeIds: body.add, member: true })).changed : 0;
    const removed = body.remove?.length ? (await setPoolMembership(actor, { poolId: params.id, nodeIds: body.remove, member: false })).changed : 0;
    const weights = Object.entries(body.weights ?? {});
    if (weights.length) {
      await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`
          INSERT INTO "PoolNodeWeight" ("poolId", "nodeId", "weight")
          SELECT ${params.id}::uuid, w.node, w.weight FROM unnest(${weights.map(([id]) => id)}::uuid[], ${weights.map(([, w]) => w)}::int[]) AS w(node, weight)
          ON CONFLICT ("poolId", "nodeId") DO UPDATE SET "weight" = EXCLUDED."weight"`;
        await recordAuditEvents(tx, actor, [{ action: "pool.weights_changed", subjectType: "pool", subjectId: params.id, after: Object.fromEntries(weights) }]);
      });
    }
    return { added, removed, weighted: weights.length, pool: await loadPool(params.id) };
  },
);
