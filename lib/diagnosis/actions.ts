"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/actor";
import { guardedAction, invalid } from "@/lib/http/guarded-action";
import type { ActionResult } from "@/lib/http/field-errors";
import { applyDiagnosisAction } from "./mutations";
import { diagnoseRequestSchema } from "./schema";
import { startDiagnosis } from "./start-diagnosis";

/** Diagnose from the node page or a heat-map cell: starts the checklist and returns its id (the page polls it). */
export async function startDiagnosisAction(input: { nodeId: unknown; targetId?: unknown }): Promise<ActionResult<{ id: string }>> {
  return guardedAction("diagnosis", async () => {
    const actor = await requireActor("operator");
    const nodeId = z.uuid().safeParse(input.nodeId);
    if (!nodeId.success) return invalid(nodeId.error);
    const body = diagnoseRequestSchema.safeParse(input.targetId === undefined || input.targetId === "" ? {} : { targetId: input.targetId });
    if (!body.success) return invalid(body.error);
    const started = await startDiagnosis(actor, { nodeId: nodeId.data, targetId: body.data.targetId });
    return started.ok ? { ok: true, id: started.id } : started;
  });
}

/** The verdict's one-click action. */
export async function applyDiagnosisActionAction(input: { id: unknown }): Promise<ActionResult<{ outcome: string }>> {
  return guardedAction("diagnosis", async () => {
    const actor = await requireActor("operator");
    const id = z.uuid().safeParse(input.id);
    if (!id.success) return invalid(id.error);
    return applyDiagnosisAction(actor, id.data);
  });
}
