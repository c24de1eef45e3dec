import { bucketOf, isNodeFault, type FaultClass } from "./fault-taxonomy";
import { runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTargetSpec } from "./probe-check";

/**
 * Whether a second path (control request, cohort) could change who is to blame. Not when the
 * attempt is fine, was decided by a second path already, carries the proxy's own marker or page
 * blaming itself, or came through a tunnel from the target (phase), not for failures that are
 * the node's or the target's by their nature (refused connect, credentials, tunnel policy,
 * blocks, 4xx), and not for what the phase rule pins on the node (a handshake that failed, a
 * proxy silent or talking garbage before the tunnel opened): the node failed before the target
 * was ever asked, so another path has nothing to say and must not spend the control budget.
 */
export function needsSecondPath(attempt: ProbeAttempt): boolean {
  if (attempt.faultClass === "ok" || attempt.originEvidence === "control" || attempt.originEvidence === "cohort") return false;
  switch (attempt.faultClass) {
    case "proxy_unreachable":
    case "proxy_auth":
    case "tunnel_failed":
    case "blocked":
    case "target_4xx":
    case "unexpected_status":
      return false;
  }
  if (attempt.faultOrigin === "proxy" && (attempt.originEvidence === "marker" || attempt.originEvidence === "fingerprint")) return false;
  if (failedAtTheNode(attempt)) return false;
  if (attempt.faultOrigin === "target" && attempt.originEvidence === "phase") return false;
  return true;
}

/**
 * A failure the phase rule pins on the node or the way to it: refused or timed-out connect,
 * credentials, a handshake that failed, a proxy silent or talking garbage before the tunnel
 * opened. The target was never asked. Not a proxy hanging up on a plain-HTTP request it had
 * taken: that is also how a proxy gives up on a slow or failing target (tinyproxy), so only
 * another path tells which.
 */
export function failedAtTheNode(attempt: ProbeAttempt): boolean {
  return attempt.faultClass !== "ok" && isNodeFault(attempt.faultOrigin) && attempt.originEvidence === "phase" && !hungUpOnRelayedRequest(attempt);
}

/** The proxy closed the connection while we waited for the answer to a plain-HTTP request it had taken. */
function hungUpOnRelayedRequest(attempt: ProbeAttempt): boolean {
  return attempt.faultClass === "reset" && attempt.phase === "headers" && attempt.responder === "proxy";
}

/**
 * Failed for want of the target's answer: silence while waiting for the target's headers, a
 * proxy's gateway timeout that does not blame the proxy itself, an unmarked 504, or a proxy that
 * hung up on the relayed request (how tinyproxy gives up on a slow target).
 */
function waitedInVainForTarget(attempt: ProbeAttempt): boolean {
  switch (attempt.faultClass) {
    case "upstream_timeout":
      return attempt.phase === "headers";
    case "proxy_504":
      return attempt.faultOrigin !== "proxy";
    case "target_504":
      return true;
    default:
      return hungUpOnRelayedRequest(attempt);
  }
}

const UNMARKED_5XX = new Set(["target_502", "target_504", "target_5xx"]);

/**
 * Folds a control attempt (the same target through a known-good node) into a node's attempt:
 *  - control succeeds → the target is fine, so this node's path did it: faultOrigin proxy; an
 *    unmarked 5xx it relayed was the proxy's own answer (proxy_502 / proxy_504);
 *  - control fails too, the same way (bucket) or with the target to blame, or both waited in
 *    vain for the target (a proxy's hang-up here, a timeout there: the target is slow through
 *    every path), and not through a fault of the control node itself → the target side:
 *    faultOrigin target (a relayed unmarked 5xx was the target's own);
 *  - otherwise (the control node failed on its own account, or differently and undecided, e.g. a
 *    timeout against this node's 502) nothing is decided.
 */
export function applyControl(attempt: ProbeAttempt, control: ProbeAttempt): ProbeAttempt {
  if (control.faultClass === "ok") {
    const blame = `control node got ${control.status} in ${Math.round(control.totalMs)} ms, so this node's path caused it`;
    const reason = `${attempt.reason}; ${blame}`;
    if (UNMARKED_5XX.has(attempt.faultClass) && attempt.responder !== "target") {
      const faultClass: FaultClass = attempt.faultClass === "target_504" ? "proxy_504" : "proxy_502";
      return { ...attempt, faultClass, bucket: bucketOf(faultClass), responder: "proxy", responderEvidence: "control", faultOrigin: "proxy", originEvidence: "control", reason };
    }
    return { ...attempt, faultOrigin: "proxy", originEvidence: "control", reason };
  }
  const bothWaitedInVain = waitedInVainForTarget(attempt) && waitedInVainForTarget(control);
  if (isNodeFault(control.faultOrigin) && !bothWaitedInVain) {
    return { ...attempt, reason: `${attempt.reason}; control node failed on its own account (${control.faultClass}), undecided` };
  }
  if (control.bucket !== attempt.bucket && control.faultOrigin !== "target" && !bothWaitedInVain) {
    return { ...attempt, reason: `${attempt.reason}; control node failed differently (${control.faultClass}), undecided` };
  }
  const same = control.bucket === attempt.bucket ? "the same way" : bothWaitedInVain ? `waiting for the target too (${control.faultClass})` : `too (${control.faultClass})`;
  const reason = `${attempt.reason}; control node failed ${same}: target-side fault confirmed`;
  const responder = attempt.responder === "unknown" && UNMARKED_5XX.has(attempt.faultClass) ? { responder: "target" as const, responderEvidence: "control" as const } : {};
  return { ...attempt, ...responder, faultOrigin: "target", originEvidence: "control", reason };
}

export interface ControlledAttempt {
  attempt: ProbeAttempt;
  /** The same target through the known-good node, when it was asked. */
  control: ProbeAttempt | null;
}

/** Asks the control node when a second path could change the verdict, and folds its answer in. */
export async function classifyWithControl(
  attempt: ProbeAttempt,
  target: ProbeTargetSpec,
  controlNode: ProbeNode,
  options: ProbeCheckOptions = {},
): Promise<ControlledAttempt> {
  if (!needsSecondPath(attempt) || controlNode.id === attempt.nodeId) return { attempt, control: null };
  const control = await runProbeCheck(controlNode, target, options);
  return { attempt: applyControl(attempt, control), control };
}
