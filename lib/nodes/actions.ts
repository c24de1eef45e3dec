"use server";

import { requireActor } from "@/lib/auth/actor";
import { revealNodePassword } from "@/lib/auth/reveal-node-password";
import { guardedAction, invalid } from "@/lib/http/guarded-action";
import type { ActionResult } from "@/lib/http/field-errors";
import { changePoolMembers } from "@/lib/pools/mutations";
import { nodeIdsMatching } from "./data";
import {
  changeNodeState,
  createNode,
  deleteNodes,
  importNodes,
  updateNode,
  type ImportReport,
} from "./mutations";
import {
  changeStateSchema,
  createNodeSchema,
  deleteNodesSchema,
  importNodesSchema,
  nodeListQuerySchema,
  updateNodeSchema,
} from "./schema";
import { z } from "zod";

// Thin server actions: check who is asking, validate with the shared schema, call one mutation.
// Every failure comes back as { ok: false, fieldErrors } so forms can show it next to the field.

export async function createNodeAction(input: unknown): Promise<ActionResult<{ id: string }>> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("operator");
    const parsed = createNodeSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return createNode(actor, parsed.data);
  });
}

export async function updateNodeAction(input: unknown): Promise<ActionResult> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("operator");
    const parsed = updateNodeSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return updateNode(actor, parsed.data);
  });
}

export async function importNodesAction(input: unknown): Promise<ActionResult<{ report: ImportReport }>> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("operator");
    const parsed = importNodesSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return importNodes(actor, parsed.data);
  });
}

const bulkTargetSchema = z.union([
  z.object({ nodeIds: z.array(z.uuid()).min(1).max(10_000) }),
  z.object({ filter: nodeListQuerySchema.pick({ search: true, poolId: true, state: true, tag: true, scheme: true }) }),
]);

/** A bulk action targets either explicit ids or "every node matching this filter". */
async function resolveTargets(input: unknown): Promise<string[] | z.ZodError> {
  const parsed = bulkTargetSchema.safeParse(input);
  if (!parsed.success) return parsed.error;
  return "nodeIds" in parsed.data ? parsed.data.nodeIds : nodeIdsMatching(parsed.data.filter);
}

export async function changeNodeStateAction(input: {
  target: unknown;
  state: unknown;
  reason?: unknown;
}): Promise<ActionResult<{ changed: number; unchanged: number }>> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("operator");
    const nodeIds = await resolveTargets(input.target);
    if (nodeIds instanceof z.ZodError) return invalid(nodeIds);
    const parsed = changeStateSchema.safeParse({ nodeIds, state: input.state, reason: input.reason });
    if (!parsed.success) return invalid(parsed.error);
    return { ok: true, ...(await changeNodeState(actor, parsed.data)) };
  });
}

export async function deleteNodesAction(input: { target: unknown }): Promise<ActionResult<{ deleted: number }>> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("operator");
    const nodeIds = await resolveTargets(input.target);
    if (nodeIds instanceof z.ZodError) return invalid(nodeIds);
    const parsed = deleteNodesSchema.safeParse({ nodeIds });
    if (!parsed.success) return invalid(parsed.error);
    return { ok: true, ...(await deleteNodes(actor, parsed.data.nodeIds)) };
  });
}

export async function setPoolMembershipAction(input: { poolId: unknown; target: unknown; member: unknown }): Promise<ActionResult<{ changed: number }>> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("operator");
    const poolId = z.uuid().safeParse(input.poolId);
    if (!poolId.success) return invalid(poolId.error);
    const nodeIds = await resolveTargets(input.target);
    if (nodeIds instanceof z.ZodError) return invalid(nodeIds);
    const result = await changePoolMembers(actor, poolId.data, input.member === true ? { add: nodeIds } : { remove: nodeIds });
    return result.ok ? { ok: true, changed: result.added + result.removed } : result;
  });
}

/** Admin only: the stored password in clear, for copying into a client; audited as node.password_revealed. */
export async function revealNodePasswordAction(input: { id: unknown }): Promise<ActionResult<{ password: string | null }>> {
  return guardedAction("nodes", async () => {
    const actor = await requireActor("admin");
    const id = z.uuid().safeParse(input.id);
    if (!id.success) return invalid(id.error);
    return { ok: true, password: await revealNodePassword(id.data, actor) };
  });
}
