"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/actor";
import { guardedAction, invalid } from "@/lib/http/guarded-action";
import type { ActionResult } from "@/lib/http/field-errors";
import { productProbeOptions } from "@/lib/probe/probe-settings-from-env";
import { TargetUrlError, targetUrlRulesFromEnv, validateTargetUrl } from "@/lib/security/target-url";
import { savePoolHealthPolicy, setNodesPinned } from "./mutations";
import { rotateNode, setRotationUrl, type RotateOutcome } from "./rotate";
import { healthPolicySchema } from "./schema";

const nodeIdsSchema = z.array(z.uuid()).min(1, "Select at least one node.").max(10_000);

export async function pinNodesAction(input: { nodeIds: unknown; pinned: unknown }): Promise<ActionResult<{ changed: number }>> {
  return guardedAction("health", async () => {
    const actor = await requireActor("operator");
    const ids = nodeIdsSchema.safeParse(input.nodeIds);
    if (!ids.success) return invalid(ids.error);
    return { ok: true, ...(await setNodesPinned(actor, ids.data, input.pinned === true)) };
  });
}

/** Rotates each node in turn (bulk is capped: every rotation waits for echo probes). */
export async function rotateNodesAction(input: { nodeIds: unknown }): Promise<ActionResult<{ outcomes: RotateOutcome[] }>> {
  return guardedAction("health", async () => {
    const actor = await requireActor("operator");
    const ids = z.array(z.uuid()).min(1, "Select at least one node.").max(50, "Rotate at most 50 nodes at once.").safeParse(input.nodeIds);
    if (!ids.success) return invalid(ids.error);
    const { check, revealPassword } = productProbeOptions();
    const outcomes: RotateOutcome[] = [];
    for (const id of ids.data) outcomes.push(await rotateNode(actor, id, { lookup: check.lookup!, check, revealPassword }));
    return { ok: true, outcomes };
  });
}

export async function setRotationUrlAction(input: { nodeId: unknown; rotationUrl: unknown }): Promise<ActionResult> {
  return guardedAction("health", async () => {
    const actor = await requireActor("operator");
    const id = z.uuid().safeParse(input.nodeId);
    if (!id.success) return invalid(id.error);
    const text = typeof input.rotationUrl === "string" ? input.rotationUrl.trim() : "";
    if (text !== "") {
      try {
        validateTargetUrl(text, targetUrlRulesFromEnv());
      } catch (error) {
        if (error instanceof TargetUrlError) return { ok: false, fieldErrors: { rotationUrl: error.message } };
        throw error;
      }
    }
    return setRotationUrl(actor, id.data, text || null);
  });
}

export async function saveHealthPolicyAction(input: { poolId: unknown; policy: unknown }): Promise<ActionResult> {
  return guardedAction("health", async () => {
    const actor = await requireActor("operator");
    const poolId = z.uuid().safeParse(input.poolId);
    if (!poolId.success) return invalid(poolId.error);
    const parsed = healthPolicySchema.safeParse(input.policy);
    if (!parsed.success) return invalid(parsed.error);
    return savePoolHealthPolicy(actor, poolId.data, parsed.data);
  });
}
