import { prisma } from "@/lib/db/prisma";
import { Attributor } from "./attribution";
import { databaseControlNodes } from "./control-nodes";
import type { ProbeAttempt, ProbeCheckOptions, ProbeTimeouts } from "./probe-check";
import { PROXY_NODE_ROW_SELECT, toProbeNode, type RevealPassword } from "./probe-node-row";
import { runProbeJobs, type ProbeJob, type ProbeProgress, type ProbeRunSummary } from "./probe-runner";
import { ProbeResultWriter } from "./result-writer";
import { timeoutsForTarget } from "./target-timeouts";

export interface ProbeOnDemandOptions {
  nodeIds: string[];
  targetIds: string[];
  signal?: AbortSignal;
  onProgress?: (progress: ProbeProgress) => void;
  /** Sees every attempt after it is queued for writing (e.g. to tally fault classes). */
  onAttempt?: (attempt: ProbeAttempt) => void;
  timeouts?: Partial<ProbeTimeouts>;
  revealPassword?: RevealPassword;
  concurrency?: number;
  perNodeConcurrency?: number;
  /** Evidence from other paths; default: cohort + control requests through known-good nodes of the same pools. */
  attribution?: Attributor;
  /** lookup, CA, etc. for the checks. */
  check?: Omit<ProbeCheckOptions, "signal" | "timeouts">;
}

/**
 * "Test these nodes now" for UI server actions: every node × every target once, results
 * persisted like scheduled ones. DISABLED nodes are tested too: the operator asked explicitly.
 */
export async function probeNodesOnDemand(options: ProbeOnDemandOptions): Promise<ProbeRunSummary> {
  const [nodes, targets] = await Promise.all([
    prisma.proxyNode.findMany({ where: { id: { in: options.nodeIds } }, select: PROXY_NODE_ROW_SELECT }),
    prisma.probeTarget.findMany({ where: { id: { in: options.targetIds } } }),
  ]);
  const writer = new ProbeResultWriter({ source: "probe" });
  function* jobs(): Generator<ProbeJob> {
    // Target-major order spreads consecutive jobs over different nodes.
    for (const target of targets)
      for (const node of nodes)
        yield {
          node: toProbeNode(node, options.revealPassword),
          target: { id: target.id, url: target.url, expectedStatus: target.expectedStatus ?? undefined },
          timeouts: timeoutsForTarget(options.timeouts, target),
        };
  }
  try {
    return await runProbeJobs(jobs(), {
      concurrency: options.concurrency ?? 64,
      perNodeConcurrency: options.perNodeConcurrency ?? 2,
      signal: options.signal,
      total: nodes.length * targets.length,
      onResult: async (attempt) => {
        await writer.add(attempt);
        options.onAttempt?.(attempt);
      },
      onProgress: options.onProgress,
      attribution: options.attribution ?? new Attributor({ controls: databaseControlNodes(options.revealPassword), check: options.check }),
      check: { ...options.check, timeouts: options.timeouts },
    });
  } finally {
    await writer.flush();
  }
}
