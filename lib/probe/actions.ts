"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/actor";
import { guardedAction } from "@/lib/http/guarded-action";
import { fieldErrors, type ActionResult as MutationResult } from "@/lib/http/field-errors";
import { cancelProbeRun, MAX_RUN_CHECKS, startProbeRun } from "./probe-runs";
import { poolProbeSettingsSchema, probeTargetSchema, startProbeRunSchema } from "./schema";
import { createProbeTarget, deleteProbeTarget, includeTargetForNode, savePoolProbeSettings } from "./target-mutations";
import { nodeIdsMatching } from "@/lib/nodes/data";
import { nodeListQuerySchema } from "@/lib/nodes/schema";

export async function createProbeTargetAction(input: unknown): Promise<MutationResult<{ id: string }>> {
  return guardedAction("probe", async () => {
    const actor = await requireActor("operator");
    const parsed = probeTargetSchema.safeParse(input);
    if (!parsed.success) return { ok: false, fieldErrors: fieldErrors(parsed.error) };
    return createProbeTarget(actor, parsed.data);
  });
}

export async function deleteProbeTargetAction(input: { id: unknown }): Promise<MutationResult<{ deleted: boolean }>> {
  return guardedAction("probe", async () => {
    const actor = await requireActor("operator");
    const id = z.uuid().safeParse(input.id);
    if (!id.success) return { ok: false, fieldErrors: fieldErrors(id.error) };
    return { ok: true, ...(await deleteProbeTarget(actor, id.data)) };
  });
}

export async function savePoolProbeSettingsAction(input: unknown): Promise<MutationResult> {
  return guardedAction("probe", async () => {
    const actor = await requireActor("operator");
    const parsed = poolProbeSettingsSchema.safeParse(input);
    if (!parsed.success) return { ok: false, fieldErrors: fieldErrors(parsed.error) };
    return savePoolProbeSettings(actor, parsed.data);
  });
}

const runTargetSchema = z.union([
  z.object({ nodeIds: z.array(z.uuid()).min(1, "Select at least one node.").max(10_000) }),
  z.object({ filter: nodeListQuerySchema.pick({ search: true, poolId: true, state: true, tag: true, scheme: true }) }),
]);

/** "Test now" for one node, a selection, every node matching a filter, or a pool (filter by poolId). */
export async function startProbeRunAction(input: { target: unknown; targetIds: unknown }): Promise<MutationResult<{ id: string; total: number }>> {
  return guardedAction("probe", async () => {
    const actor = await requireActor("operator");
    const nodes = runTargetSchema.safeParse(input.target);
    if (!nodes.success) return { ok: false, fieldErrors: fieldErrors(nodes.error) };
    const targets = startProbeRunSchema.safeParse({ targetIds: input.targetIds });
    if (!targets.success) return { ok: false, fieldErrors: fieldErrors(targets.error) };
    const nodeIds = "nodeIds" in nodes.data ? nodes.data.nodeIds : await nodeIdsMatching(nodes.data.filter);
    if (nodeIds.length === 0) return { ok: false, fieldErrors: { form: "No node matches; nothing to test." } };
    if (nodeIds.length * targets.data.targetIds.length > MAX_RUN_CHECKS) {
      return { ok: false, fieldErrors: { form: `That is ${nodeIds.length * targets.data.targetIds.length} checks; at most ${MAX_RUN_CHECKS} per run.` } };
    }
    return { ok: true, ...(await startProbeRun(actor, { nodeIds, targetIds: targets.data.targetIds })) };
  });
}

export async function cancelProbeRunAction(input: { id: unknown }): Promise<MutationResult<{ cancelled: boolean }>> {
  return guardedAction("probe", async () => {
    const actor = await requireActor("operator");
    const id = z.uuid().safeParse(input.id);
    if (!id.success) return { ok: false, fieldErrors: fieldErrors(id.error) };
    return { ok: true, ...(await cancelProbeRun(actor, id.data)) };
  });
}

/** Probes a target through a node again after Diagnose excluded it. */
export async function includeTargetForNodeAction(input: { nodeId: unknown; targetId: unknown }): Promise<MutationResult> {
  return guardedAction("probe", async () => {
    const actor = await requireActor("operator");
    const ids = z.object({ nodeId: z.uuid(), targetId: z.uuid() }).safeParse(input);
    if (!ids.success) return { ok: false, fieldErrors: fieldErrors(ids.error) };
    return includeTargetForNode(actor, ids.data);
  });
}
