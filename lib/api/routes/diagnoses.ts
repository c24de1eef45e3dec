import { z } from "zod";
import { getDiagnosis } from "@/lib/diagnosis/data";
import { applyDiagnosisAction } from "@/lib/diagnosis/mutations";
import { diagnoseRequestSchema, diagnosisSchema } from "@/lib/diagnosis/schema";
import { startDiagnosis } from "@/lib/diagnosis/start-diagnosis";
import { ApiError, failureToApiError } from "@/lib/http/api-errors";
import { defineRoute } from "../api-route";
import { assertNodeAccess } from "../access";
import { idParams } from "../schemas";

async function loadDiagnosis(id: string) {
  const diagnosis = await getDiagnosis(id);
  if (!diagnosis) throw new ApiError("not_found", "No such diagnosis.");
  return diagnosis;
}

export const diagnoseNodeRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/nodes/{id}/diagnose",
    operationId: "diagnoseNode",
    summary: "Diagnose: the 502 checklist for this node and one target, stored with its evidence",
    description:
      "Runs resolve → TCP connect → proxy handshake → a few attempts at the target (phase timings) → the same through a control node of the same pool → response signature → exit IP, then a verdict naming the failing hop and one recommended action (apply it with POST /api/v1/diagnoses/{id}/apply). Target: `targetId`, else the one the node failed on last, else its pools' first scheduled target. By default the call waits for the verdict (a few seconds; up to the pool's timeouts × attempts for a hanging node); `wait: false` answers at once with status `running` — poll GET /api/v1/diagnoses/{id}.",
    tag: "nodes",
    scope: "write",
    params: idParams,
    body: diagnoseRequestSchema.extend({ wait: z.boolean().default(true) }).strict(),
    response: diagnosisSchema,
    status: 201,
    errors: ["not_found", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => {
    await assertNodeAccess(actor, params.id);
    const started = await startDiagnosis(actor, { nodeId: params.id, targetId: body.targetId });
    if (!started.ok) throw failureToApiError(started);
    if (body.wait) await started.done;
    return loadDiagnosis(started.id);
  },
);

export const getDiagnosisRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/diagnoses/{id}",
    operationId: "getDiagnosis",
    summary: "One stored diagnosis: its steps (with every attempt), verdict, and whether its action was applied",
    tag: "nodes",
    scope: "read",
    params: idParams,
    response: diagnosisSchema,
    errors: ["not_found"],
  },
  async ({ actor, params }) => {
    const diagnosis = await loadDiagnosis(params.id);
    await assertNodeAccess(actor, diagnosis.nodeId);
    return diagnosis;
  },
);

export const applyDiagnosisActionRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/diagnoses/{id}/apply",
    operationId: "applyDiagnosisAction",
    summary: "Apply a finished diagnosis' recommended action (disable, rotate, raise the pool's first-byte timeout, exclude the target for the node); once per diagnosis, audited",
    tag: "nodes",
    scope: "write",
    params: idParams,
    body: z.object({}).strict(),
    response: z.object({ outcome: z.string(), diagnosis: diagnosisSchema }),
    errors: ["not_found", "conflict"],
  },
  async ({ actor, params }) => {
    const diagnosis = await loadDiagnosis(params.id);
    await assertNodeAccess(actor, diagnosis.nodeId);
    const applied = await applyDiagnosisAction(actor, params.id);
    if (!applied.ok) throw failureToApiError(applied);
    return { outcome: applied.outcome, diagnosis: await loadDiagnosis(params.id) };
  },
);
