import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import { nodeListWhere, nodeRowSelect, toNodeRow } from "@/lib/nodes/data";
import { changeNodeState, createNode, deleteNodes, importNodes, updateNode } from "@/lib/nodes/mutations";
import { NODE_STATES, changeStateSchema, createNodeSchema, importNodesSchema, updateNodeSchema, MAX_IMPORT_BYTES } from "@/lib/nodes/schema";
import { PROXY_SCHEMES } from "@/lib/nodes/proxy-address";
import { defineRoute } from "../api-route";
import { assertNodeAccess, decodeCursor, encodeCursor } from "../access";
import { ApiError, failureToApiError, validationError } from "@/lib/http/api-errors";
import {
  changeStateBody,
  createNodeBody,
  cursorParam,
  deletedSchema,
  idParams,
  importNodesBody,
  importReportSchema,
  limitParam,
  nodePageSchema,
  nodeSchema,
  updateNodeBody,
} from "../schemas";

/** The API's view of a node is the UI's: user name masked, password only as a flag. */
const toApiNode = (node: Prisma.ProxyNodeGetPayload<{ select: typeof nodeSelect }>): z.infer<typeof nodeSchema> => toNodeRow(node);
const nodeSelect = nodeRowSelect;

async function loadNode(id: string) {
  const node = await prisma.proxyNode.findUnique({ where: { id }, select: nodeSelect });
  if (!node) throw new ApiError("not_found", "No such node.");
  return node;
}

const isNodeCursor = (value: unknown): value is { c: string; i: string } =>
  typeof value === "object" && value !== null && typeof (value as { c: unknown }).c === "string" && typeof (value as { i: unknown }).i === "string" &&
  !Number.isNaN(Date.parse((value as { c: string }).c)) && z.uuid().safeParse((value as { i: string }).i).success;

export const listNodesRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/nodes",
    operationId: "listNodes",
    summary: "List nodes (newest first), filtered like the UI, with cursor pagination",
    tag: "nodes",
    scope: "read",
    query: z
      .object({
        search: z.string().trim().max(200).optional(),
        poolId: z.uuid().optional(),
        state: z.enum(NODE_STATES).optional(),
        tag: z.string().trim().toLowerCase().max(40).optional(),
        scheme: z.enum(PROXY_SCHEMES).optional(),
        cursor: cursorParam,
        limit: limitParam,
      })
      .strict(),
    response: nodePageSchema,
    errors: ["unprocessable_entity"],
  },
  async ({ actor, query }) => {
    if (actor.poolId && query.poolId && query.poolId !== actor.poolId) assertPoolAccess(actor, query.poolId);
    const where: Prisma.ProxyNodeWhereInput = nodeListWhere({ search: query.search ?? "", poolId: actor.poolId ?? query.poolId, state: query.state, tag: query.tag, scheme: query.scheme });
    const cursor = decodeCursor(query.cursor, isNodeCursor);
    const after: Prisma.ProxyNodeWhereInput | undefined = cursor
      ? { OR: [{ createdAt: { lt: new Date(cursor.c) } }, { createdAt: new Date(cursor.c), id: { lt: cursor.i } }] }
      : undefined;
    const rows = await prisma.proxyNode.findMany({
      where: after ? { AND: [where, after] } : where,
      select: nodeSelect,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { data: page.map(toApiNode), nextCursor: rows.length > query.limit && last ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) : null };
  },
);

export const getNodeRoute = defineRoute(
  { method: "GET", path: "/api/v1/nodes/{id}", operationId: "getNode", summary: "One node", tag: "nodes", scope: "read", params: idParams, response: nodeSchema, errors: ["not_found"] },
  async ({ actor, params }) => {
    await assertNodeAccess(actor, params.id);
    return toApiNode(await loadNode(params.id));
  },
);

export const createNodeRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/nodes",
    operationId: "createNode",
    summary: "Add one node (same rules and audit as the UI)",
    tag: "nodes",
    scope: "write",
    body: createNodeBody,
    response: nodeSchema,
    status: 201,
    errors: ["bad_request", "conflict", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, body }) => {
    let poolIds = body.poolIds ?? [];
    if (actor.poolId) {
      for (const poolId of poolIds) assertPoolAccess(actor, poolId);
      poolIds = [actor.poolId];
    }
    const parsed = createNodeSchema.safeParse({ ...body, port: String(body.port), poolIds });
    if (!parsed.success) throw validationError(parsed.error);
    await assertPoolsExist(parsed.data.poolIds);
    const result = await createNode(actor, parsed.data);
    if (!result.ok) throw failureToApiError(result);
    return toApiNode(await loadNode(result.id));
  },
);

async function assertPoolsExist(poolIds: string[]) {
  if (poolIds.length === 0) return;
  const found = await prisma.pool.count({ where: { id: { in: poolIds } } });
  if (found !== new Set(poolIds).size) throw new ApiError("unprocessable_entity", "No such pool.", { fields: { poolIds: "One of the pools does not exist." } });
}

export const importNodesRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/nodes/import",
    operationId: "importNodes",
    summary: "Bulk import: one proxy per line, a per-line report like the UI's",
    tag: "nodes",
    scope: "write",
    body: importNodesBody,
    response: importReportSchema,
    maxBodyBytes: MAX_IMPORT_BYTES + 64 * 1024,
    errors: ["bad_request", "payload_too_large", "unprocessable_entity", "not_found"],
  },
  async ({ actor, body }) => {
    if (actor.poolId) {
      if (body.poolId) assertPoolAccess(actor, body.poolId);
      body = { ...body, poolId: actor.poolId };
    }
    const parsed = importNodesSchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error);
    if (parsed.data.poolId) await assertPoolsExist([parsed.data.poolId]);
    // A restricted key sees only its pool's nodes: a duplicate stored elsewhere must not join it.
    const result = await importNodes(actor, parsed.data, { attachExisting: !actor.poolId });
    if (!result.ok) throw failureToApiError(result);
    return result.report;
  },
);

export const updateNodeRoute = defineRoute(
  {
    method: "PATCH",
    path: "/api/v1/nodes/{id}",
    operationId: "updateNode",
    summary: "Change a node; omitted fields keep their value",
    tag: "nodes",
    scope: "write",
    params: idParams,
    body: updateNodeBody,
    response: nodeSchema,
    errors: ["bad_request", "not_found", "conflict", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => {
    await assertNodeAccess(actor, params.id);
    if (actor.poolId && body.poolIds) throw new ApiError("forbidden", "A pool-restricted key cannot change a node's pools; use the pool's members endpoint.");
    const current = await loadNode(params.id);
    const poolIds = body.poolIds ?? current.pools.map((membership) => membership.pool.id);
    await assertPoolsExist(poolIds);
    const parsed = updateNodeSchema.safeParse({
      id: params.id,
      scheme: body.scheme ?? current.scheme,
      host: body.host ?? current.host,
      port: String(body.port ?? current.port),
      username: body.username ?? current.username,
      password: body.password ?? "",
      clearPassword: body.clearPassword ?? false,
      label: body.label ?? current.label,
      tags: body.tags ?? current.tags,
      poolIds,
    });
    if (!parsed.success) throw validationError(parsed.error);
    const result = await updateNode(actor, parsed.data);
    if (!result.ok) throw failureToApiError(result);
    return toApiNode(await loadNode(params.id));
  },
);

export const deleteNodeRoute = defineRoute(
  { method: "DELETE", path: "/api/v1/nodes/{id}", operationId: "deleteNode", summary: "Remove a node (audited)", tag: "nodes", scope: "write", params: idParams, response: deletedSchema, errors: ["not_found"] },
  async ({ actor, params }) => {
    await assertNodeAccess(actor, params.id);
    return deleteNodes(actor, [params.id]);
  },
);

export const changeNodeStateRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/nodes/{id}/state",
    operationId: "changeNodeState",
    summary: "Enable, drain or disable a node (a reason is required to disable); audited like the UI",
    tag: "nodes",
    scope: "write",
    params: idParams,
    body: changeStateBody,
    response: z.object({ changed: z.int(), node: nodeSchema }),
    errors: ["bad_request", "not_found", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => {
    await assertNodeAccess(actor, params.id);
    const parsed = changeStateSchema.safeParse({ nodeIds: [params.id], state: body.state, reason: body.reason ?? "" });
    if (!parsed.success) throw validationError(parsed.error);
    const result = await changeNodeState(actor, parsed.data);
    return { changed: result.changed, node: toApiNode(await loadNode(params.id)) };
  },
);
