import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { diagnosisStepSchema, diagnosisVerdictSchema, type DiagnosisView } from "./schema";

/** A running diagnosis whose heartbeat is older than this was interrupted (its process died). */
export const STALE_DIAGNOSIS_MS = 120_000;

const diagnosisSelect = {
  id: true,
  nodeId: true,
  targetId: true,
  targetUrl: true,
  requestedBy: true,
  status: true,
  steps: true,
  verdict: true,
  error: true,
  actionAppliedAt: true,
  actionAppliedBy: true,
  actionOutcome: true,
  startedAt: true,
  updatedAt: true,
  finishedAt: true,
} as const;

type DiagnosisRow = Prisma.DiagnosisGetPayload<{ select: typeof diagnosisSelect }>;

export function toDiagnosisView(row: DiagnosisRow): DiagnosisView {
  const stale = row.status === "running" && Date.now() - row.updatedAt.getTime() > STALE_DIAGNOSIS_MS;
  const steps = diagnosisStepSchema.array().safeParse(row.steps);
  const verdict = diagnosisVerdictSchema.safeParse(row.verdict);
  return {
    id: row.id,
    nodeId: row.nodeId,
    targetId: row.targetId,
    targetUrl: row.targetUrl,
    requestedBy: row.requestedBy,
    status: stale ? "interrupted" : (row.status as DiagnosisView["status"]),
    steps: steps.success ? steps.data : [],
    verdict: verdict.success ? verdict.data : null,
    actionApplied: row.actionAppliedAt ? { at: row.actionAppliedAt.toISOString(), by: row.actionAppliedBy ?? "", outcome: row.actionOutcome ?? "" } : null,
    error: row.error,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export async function getDiagnosis(id: string): Promise<DiagnosisView | null> {
  const row = await prisma.diagnosis.findUnique({ where: { id }, select: diagnosisSelect });
  return row ? toDiagnosisView(row) : null;
}
