import { withAdvisoryLock } from "@/lib/db/advisory-lock";
import { prisma } from "@/lib/db/prisma";
import { probeNodesOnDemand } from "@/lib/probe/probe-on-demand";
import { productProbeOptions } from "@/lib/probe/probe-settings-from-env";
import { evaluateHealth, type HealthTransition } from "./health-machine";

/** Re-tests an ejected node like a scheduled probe: its pool's targets and timeouts, results persisted. */
export async function retestNode(nodeId: string, targetIds: string[]): Promise<void> {
  const { check, revealPassword } = productProbeOptions();
  const settings = await prisma.poolProbeSettings.findFirst({ where: { pool: { members: { some: { nodeId } } } }, orderBy: { intervalSeconds: "asc" } });
  await probeNodesOnDemand({
    nodeIds: [nodeId],
    targetIds,
    check,
    revealPassword,
    timeouts: settings ? { connectMs: settings.connectTimeoutMs, firstByteMs: settings.firstByteTimeoutMs, totalMs: settings.totalTimeoutMs } : undefined,
  });
}

// Checks carry their start time and last up to the pool's total timeout (15 s by default).
const LONGEST_CHECK_MS = 60_000;
let previousRoundStart: Date | undefined;

/**
 * One round for the worker: a single instance at a time (advisory lock), others skip. Looks only
 * at results since the previous round (minus the longest check) to find nodes with news; the
 * first round of a process looks back an hour.
 */
export async function runHealthRound(): Promise<HealthTransition[]> {
  const started = new Date();
  const since = previousRoundStart ? new Date(previousRoundStart.getTime() - LONGEST_CHECK_MS) : undefined;
  const transitions = await withAdvisoryLock("switchyard:node-health", () => evaluateHealth({ retest: retestNode, since }));
  if (transitions !== undefined) previousRoundStart = started;
  return transitions ?? [];
}
