import { prisma } from "@/lib/db/prisma";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { probeNodesOnDemand } from "./probe-on-demand";
import { productProbeOptions } from "./probe-settings-from-env";

const HEARTBEAT_MS = 500;
/** A running run whose heartbeat is older than this was interrupted (its process died). */
export const STALE_RUN_MS = 30_000;
export const MAX_RUN_CHECKS = 100_000;

// Cancel reaches the run fast when the request lands on the instance that executes it; from
// another instance it goes through the cancelRequested flag, read at every heartbeat.
const runningHere = new Map<string, AbortController>();

export interface ProbeRunView {
  id: string;
  status: "running" | "done" | "cancelled" | "failed" | "interrupted";
  total: number;
  done: number;
  countsByClass: Record<string, number>;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  nodes: number;
  targets: number;
}

/**
 * Starts "test these nodes now" in the background of this process and returns its id at once;
 * the browser polls getProbeRun for progress. Results persist like scheduled ones.
 */
export async function startProbeRun(actor: Actor, input: { nodeIds: string[]; targetIds: string[] }): Promise<{ id: string; total: number }> {
  const [nodeCount, targets] = await Promise.all([
    prisma.proxyNode.count({ where: { id: { in: input.nodeIds } } }),
    prisma.probeTarget.findMany({ where: { id: { in: input.targetIds } }, select: { id: true } }),
  ]);
  const total = nodeCount * targets.length;
  const run = await prisma.$transaction(async (tx) => {
    const created = await tx.probeRun.create({
      data: { requestedBy: actor.label, nodeIds: input.nodeIds, targetIds: targets.map((t) => t.id), total },
    });
    await recordAuditEvents(tx, actor, [
      { action: "probe.run_started", subjectType: "probe_run", subjectId: created.id, after: { nodes: nodeCount, targets: targets.length } },
    ]);
    return created;
  });
  void executeProbeRun(run.id, input.nodeIds, run.targetIds);
  return { id: run.id, total };
}

async function executeProbeRun(runId: string, nodeIds: string[], targetIds: string[]): Promise<void> {
  const abort = new AbortController();
  runningHere.set(runId, abort);
  const counts: Record<string, number> = {};
  let done = 0;
  let beating: Promise<void> | undefined;
  // Progress and liveness on a timer, not per result: a run stuck on hanging proxies still beats.
  const heartbeat = setInterval(() => {
    beating ??= prisma.probeRun
      .update({ where: { id: runId }, data: { done, countsByClass: counts }, select: { cancelRequested: true } })
      .then((run) => void (run.cancelRequested && abort.abort()))
      .catch(() => undefined)
      .finally(() => (beating = undefined));
  }, HEARTBEAT_MS);
  try {
    const { check, revealPassword } = productProbeOptions();
    const summary = await probeNodesOnDemand({
      nodeIds,
      targetIds,
      signal: abort.signal,
      check,
      revealPassword,
      onAttempt: (attempt) => {
        counts[attempt.faultClass] = (counts[attempt.faultClass] ?? 0) + 1;
        done++;
      },
    });
    clearInterval(heartbeat);
    await beating;
    await prisma.probeRun.update({
      where: { id: runId },
      data: { done, countsByClass: counts, status: summary.cancelled ? "cancelled" : "done", finishedAt: new Date() },
    });
  } catch (error) {
    await prisma.probeRun
      .update({ where: { id: runId }, data: { done, countsByClass: counts, status: "failed", error: error instanceof Error ? error.message : String(error), finishedAt: new Date() } })
      .catch(() => undefined);
  } finally {
    clearInterval(heartbeat);
    runningHere.delete(runId);
  }
}

export async function cancelProbeRun(actor: Actor, runId: string): Promise<{ cancelled: boolean }> {
  const { count } = await prisma.probeRun.updateMany({ where: { id: runId, status: "running" }, data: { cancelRequested: true } });
  runningHere.get(runId)?.abort();
  if (count > 0) await recordAuditEvents(prisma, actor, [{ action: "probe.run_cancelled", subjectType: "probe_run", subjectId: runId }]);
  return { cancelled: count > 0 };
}

/**
 * Marks runs whose heartbeat stopped (the process executing them died, or lost the database for
 * longer than STALE_RUN_MS) as "interrupted" in the database, so every reader — UI, API, audit —
 * sees the same state, not only the UI's inference. A run that was only cut off from the database
 * and still finishes overwrites this with its real outcome.
 */
export async function markInterruptedProbeRuns(): Promise<number> {
  const { count } = await prisma.probeRun.updateMany({
    where: { status: "running", updatedAt: { lt: new Date(Date.now() - STALE_RUN_MS) } },
    data: { status: "interrupted", finishedAt: new Date(), error: `No heartbeat for ${STALE_RUN_MS / 1000} s: the process running it stopped.` },
  });
  return count;
}

export async function getProbeRun(runId: string): Promise<ProbeRunView | null> {
  const run = await prisma.probeRun.findUnique({ where: { id: runId } });
  if (!run) return null;
  const stale = run.status === "running" && Date.now() - run.updatedAt.getTime() > STALE_RUN_MS;
  return {
    id: run.id,
    status: stale ? "interrupted" : (run.status as ProbeRunView["status"]),
    total: run.total,
    done: run.done,
    countsByClass: run.countsByClass as Record<string, number>,
    requestedBy: run.requestedBy,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    error: run.error,
    nodes: run.nodeIds.length,
    targets: run.targetIds.length,
  };
}
