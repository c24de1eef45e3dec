import { bucketOf, originOf, type FaultClass } from "./fault-taxonomy";
import { runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTargetSpec } from "./probe-check";

/** Classes where "the target did it" is a guess from one path; a second path can confirm or refute it. */
const NEEDS_CONTROL: ReadonlySet<FaultClass> = new Set(["target_502", "target_504", "target_5xx", "upstream_timeout"]);

export interface ControlledAttempt {
  attempt: ProbeAttempt;
  /** The same target through the known-good node, when it was asked. */
  control: ProbeAttempt | null;
}

function reclassified(attempt: ProbeAttempt, faultClass: FaultClass, reason: string): ProbeAttempt {
  return { ...attempt, faultClass, bucket: bucketOf(faultClass), origin: originOf(faultClass), reason };
}

/**
 * When a node's attempt looks like a target fault (5xx passed through, or no answer), asks the
 * same target through a known-good control node:
 *  - control fails the same way → the target is down/slow: keep the class, say it was confirmed;
 *  - control succeeds → the target is fine, so this node's path made the 5xx/timeout: a relayed
 *    502/5xx becomes proxy_502 and a 504 becomes proxy_504 (a proxy that answers errors without a
 *    marker); a timeout stays upstream_timeout, with the reason saying the node is to blame.
 */
export async function classifyWithControl(
  attempt: ProbeAttempt,
  target: ProbeTargetSpec,
  controlNode: ProbeNode,
  options: ProbeCheckOptions = {},
): Promise<ControlledAttempt> {
  if (!NEEDS_CONTROL.has(attempt.faultClass) || controlNode.id === attempt.nodeId) return { attempt, control: null };
  const control = await runProbeCheck(controlNode, target, options);
  if (control.faultClass !== "ok") {
    const same = control.bucket === attempt.bucket ? "the same way" : `too (${control.faultClass})`;
    return { attempt: { ...attempt, reason: `${attempt.reason}; control node failed ${same}: target-side fault confirmed` }, control };
  }
  const blame = `control node got ${control.status} in ${Math.round(control.totalMs)} ms, so this node's path caused it`;
  if (attempt.faultClass === "upstream_timeout") return { attempt: { ...attempt, reason: `${attempt.reason}; ${blame}` }, control };
  const proxyClass: FaultClass = attempt.faultClass === "target_504" ? "proxy_504" : "proxy_502";
  return { attempt: reclassified(attempt, proxyClass, `${attempt.reason}; ${blame}`), control };
}
