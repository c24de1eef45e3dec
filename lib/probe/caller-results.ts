import { defaultAttribution, FAULT_CLASSES, type FaultClass } from "./fault-taxonomy";
import type { ProbeAttempt } from "./probe-check";
import { recordedTargetId } from "./recorded-targets";
import { insertProbeResults } from "./result-writer";

// Results that API callers report about requests they made through our nodes: stored like probe
// results (source "caller"), so they feed the same breakdowns.

export interface CallerOutcome {
  status?: number;
  errorKind?: FaultClass;
  latencyMs: number;
  exitIp?: string;
}

/** A target status seen through the proxy → fault class. A proxy's own failure is reported as errorKind. */
export function faultClassOf(outcome: { status?: number; errorKind?: FaultClass }): FaultClass {
  if (outcome.errorKind) return outcome.errorKind;
  const status = outcome.status!;
  if (status < 400) return "ok";
  if (status === 403 || status === 429) return "blocked";
  if (status < 500) return "target_4xx";
  if (status === 502) return "target_502";
  if (status === 504) return "target_504";
  return "target_5xx";
}

function attempt(nodeId: string, targetId: string, url: string, outcome: CallerOutcome): ProbeAttempt {
  const faultClass = faultClassOf(outcome);
  const entry = FAULT_CLASSES[faultClass];
  return {
    nodeId, targetId, targetUrl: url, startedAt: new Date(), connectMs: null, tlsMs: null, firstByteMs: null,
    totalMs: outcome.latencyMs, status: outcome.status ?? null, bytes: 0, exitIp: outcome.exitIp ?? null,
    faultClass, bucket: entry.bucket, ...defaultAttribution(faultClass), reason: `caller reported: ${entry.label}`, errorDetail: null,
  };
}

/** Stores caller reports (the nodes are known to exist); returns how many rows were written. */
export async function recordCallerResults(reports: ReadonlyArray<CallerOutcome & { nodeId: string; target: string }>): Promise<number> {
  const targets = new Map<string, string>();
  for (const url of new Set(reports.map((r) => r.target))) targets.set(url, await recordedTargetId(url, "caller-reported"));
  return insertProbeResults(reports.map((r) => attempt(r.nodeId, targets.get(r.target)!, r.target, r)), "caller");
}
