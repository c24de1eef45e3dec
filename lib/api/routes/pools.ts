import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import { getPool, listPools } from "@/lib/pools/data";
import { changePoolMembers, createPool, deletePool, updatePool } from "@/lib/pools/mutations";
import { poolChangeSchema, poolSchema as poolInputSchema } from "@/lib/pools/schema";
import { defineRoute } from "../api-route";
import { assertPoolExistsAndAccess } from "../access";
import { ApiError, failureToApiError, validationError } from "@/lib/http/api-errors";
import { createPoolBody, cursorParam, deletedSchema, idParams, limitParam, membershipBody, poolPageSchema, poolSchema, updatePoolBody } from "../schemas";

async function loadPool(id: string) {
  const pool = await getPool(id);
  if (!pool) throw new ApiError("not_found", "No such pool.");
  return pool;
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
    return { data: page, nextCursor: pools.length > query.limit && last ? Buffer.from(last.name).toString("base64url") : null };
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
    const parsed = poolInputSchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    const result = await createPool(actor, parsed.data);
    if (!result.ok) throw failureToApiError(result);
    return loadPool(result.id);
  },
);

export const updatePoolRoute = defineRoute(
  {
    method: "PATCH",
    path: "/api/v1/pools/{id}",
    operationId: "updatePool",
    summary: "Rename a pool, change its description, checkout strategy or gateway retry settings",
    tag: "pools",
    scope: "write",
    params: idParams,
    body: updatePoolBody,
    response: poolSchema,
    errors: ["bad_request", "not_found", "conflict", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => {
    await assertPoolExistsAndAccess(actor, params.id);
    const parsed = poolChangeSchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    const result = await updatePool(actor, params.id, parsed.data);
    if (!result.ok) throw failureToApiError(result);
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
    const result = await changePoolMembers(actor, params.id, body);
    if (!result.ok) throw failureToApiError(result);
    const { added, removed, weighted } = result;
    return { added, removed, weighted, pool: await loadPool(params.id) };
  },
);
