import { prisma } from "@/lib/db/prisma";
import type { Actor } from "@/lib/auth/actor";
import type { ActionResult } from "@/lib/http/field-errors";
import { rotateNode, type RotateDeps } from "@/lib/health/rotate";
import { changeNodeState } from "@/lib/nodes/mutations";
import { excludeTargetForNode, savePoolProbeSettings } from "@/lib/probe/target-mutations";
import { productProbeOptions } from "@/lib/probe/probe-settings-from-env";
import { diagnosisVerdictSchema } from "./schema";

export function productRotateDeps(): RotateDeps {
  const { check, revealPassword } = productProbeOptions();
  return { lookup: check.lookup!, check, revealPassword };
}

/**
 * Applies a finished diagnosis' recommended action through the owning domain's own mutation
 * (each audits itself): disable (lib/nodes), rotate (lib/health), raise the pool's first-byte
 * timeout (lib/probe's pool settings), exclude the target for this node (lib/probe). Once per
 * diagnosis: a second click (or a second instance) finds it applied and changes nothing.
 */
export async function applyDiagnosisAction(actor: Actor, diagnosisId: string, rotateDeps: RotateDeps = productRotateDeps()): Promise<ActionResult<{ outcome: string }>> {
  const row = await prisma.diagnosis.findUnique({ where: { id: diagnosisId }, select: { nodeId: true, status: true, verdict: true, actionAppliedAt: true } });
  if (!row) return { ok: false, code: "not_found", fieldErrors: { form: "No such diagnosis." } };
  const verdict = diagnosisVerdictSchema.safeParse(row.verdict);
  if (row.status !== "done" || !verdict.success) return { ok: false, code: "conflict", fieldErrors: { form: "This diagnosis has not finished." } };
  const action = verdict.data.action;
  if (!action) return { ok: false, code: "conflict", fieldErrors: { form: "This diagnosis recommends no action." } };
  // Claim it first: exactly one caller applies the action.
  const claimed = await prisma.diagnosis.updateMany({ where: { id: diagnosisId, actionAppliedAt: null }, data: { actionAppliedAt: new Date(), actionAppliedBy: actor.label } });
  if (claimed.count === 0) return { ok: false, code: "conflict", fieldErrors: { form: "This diagnosis' action was already applied." } };

  const reason = `Diagnose: ${verdict.data.headline}`.slice(0, 500);
  let result: ActionResult<{ outcome: string }>;
  try {
    result = await apply();
  } catch (error) {
    await prisma.diagnosis.update({ where: { id: diagnosisId }, data: { actionAppliedAt: null, actionAppliedBy: null } });
    throw error;
  }
  if (!result.ok) await prisma.diagnosis.update({ where: { id: diagnosisId }, data: { actionAppliedAt: null, actionAppliedBy: null } });
  else await prisma.diagnosis.update({ where: { id: diagnosisId }, data: { actionOutcome: result.outcome } });
  return result;

  async function apply(): Promise<ActionResult<{ outcome: string }>> {
    switch (action!.kind) {
      case "disable": {
        const { changed } = await changeNodeState(actor, { nodeIds: [row!.nodeId], state: "DISABLED", reason });
        return { ok: true, outcome: changed ? "Node disabled." : "The node was already disabled." };
      }
      case "rotate": {
        const rotated = await rotateNode(actor, row!.nodeId, rotateDeps);
        return rotated.ok ? { ok: true, outcome: rotated.message } : { ok: false, fieldErrors: { form: rotated.message } };
      }
      case "raise_first_byte_timeout": {
        const settings = action!.poolId ? await prisma.poolProbeSettings.findUnique({ where: { poolId: action!.poolId } }) : null;
        if (!settings || action!.firstByteTimeoutMs === null) return { ok: false, code: "not_found", fieldErrors: { form: "The pool no longer has a probe schedule." } };
        const firstByteTimeoutMs = Math.max(settings.firstByteTimeoutMs, action!.firstByteTimeoutMs);
        const saved = await savePoolProbeSettings(actor, {
          poolId: settings.poolId,
          enabled: settings.enabled,
          intervalSeconds: settings.intervalSeconds,
          connectTimeoutMs: settings.connectTimeoutMs,
          firstByteTimeoutMs,
          // The total must leave room for the body after the first byte.
          totalTimeoutMs: Math.min(300_000, Math.max(settings.totalTimeoutMs, firstByteTimeoutMs + (settings.totalTimeoutMs - settings.firstByteTimeoutMs))),
          targetIds: settings.targetIds,
          maxBackoffSeconds: settings.maxBackoffSeconds,
        });
        return saved.ok ? { ok: true, outcome: `First-byte timeout is now ${firstByteTimeoutMs / 1000} s.` } : saved;
      }
      case "exclude_target": {
        if (!action!.targetId) return { ok: false, code: "not_found", fieldErrors: { form: "The target no longer exists." } };
        const excluded = await excludeTargetForNode(actor, { nodeId: row!.nodeId, targetId: action!.targetId, reason });
        return excluded.ok ? { ok: true, outcome: "The scheduler no longer probes this target through this node." } : excluded;
      }
    }
  }
}
