import { applyControl, failedAtTheNode } from "@/lib/probe/control-check";
import type { ProbeAttempt, ProbeTargetSpec, ProbeTimeouts } from "@/lib/probe/probe-check";
import type { ChecklistNode } from "./run-checklist";
import type { DiagnosisVerdict, FailingHop, RecommendedAction } from "./schema";

/** Everything the checklist found; the verdict is a pure function of it (table-tested on the lab). */
export interface Findings {
  node: ChecklistNode;
  target: ProbeTargetSpec & { id: string };
  pool: { id: string; name: string; firstByteTimeoutMs: number; targetOverrideMs: number | null } | null;
  timeouts: ProbeTimeouts;
  resolveError: string | null;
  /** Through the node, as one path saw them (the verdict folds the control answer in with applyControl). */
  attempts: ProbeAttempt[];
  /** Through a control node that did not fail on its own account; null when none was asked or usable. */
  control: ProbeAttempt | null;
  controlName: string | null;
  controlsTried: number;
  /** One attempt with a long first-byte limit, made when only our own deadline failed the node. */
  patient: ProbeAttempt | null;
}

/** Failed before the target was asked: what the phase rule pins on the node, bad credentials, a tunnel the proxy refuses. */
export function failedBeforeTarget(a: ProbeAttempt): boolean {
  return failedAtTheNode(a) || a.faultClass === "proxy_auth" || a.faultClass === "tunnel_failed";
}

const TARGET_SIDE_ANSWERS = new Set(["blocked", "target_4xx", "unexpected_status"]);

/**
 * The verdict: which hop fails, in one plain sentence, and the one action that would help
 * (null when nothing on Switchyard's side would). Rules, first match wins: the host does not
 * resolve → disable; healthy; slow rather than dead (the patient attempt got through) → raise
 * the pool's first-byte timeout; failed at the node before the target (refused, silent, garbage,
 * credentials) → disable, or exclude the target when the proxy only refuses this tunnel; the
 * target refuses this node but not the control → rotate (else exclude the target); the target
 * is fine through a control node → the node (rotate if it has a rotation URL, else disable);
 * the target fails through the control too → the target, not a proxy problem.
 */
export function decideVerdict(f: Findings): DiagnosisVerdict {
  const { node } = f;
  const address = `${node.host}:${node.port}`;
  if (f.resolveError) return verdict("proxy_host", `The proxy's host name ${node.host} does not resolve.`, f.resolveError, disable());

  const control = f.control;
  const refined = f.attempts.map((a) => (a.faultClass === "ok" || !control || failedBeforeTarget(a) ? a : applyControl(a, control)));
  const failures = refined.filter((a) => a.faultClass !== "ok");
  const n = f.attempts.length;
  if (failures.length === 0) {
    const p50 = median(f.attempts.map((a) => a.firstByteMs ?? a.totalMs));
    return verdict("none", `Healthy: ${n} of ${n} attempts answered ${f.attempts[0]?.status ?? "ok"} through this node (first byte p50 ${p50} ms).`, "Nothing to change.", null);
  }
  const main = dominant(failures);
  const raw = f.attempts[refined.indexOf(main)];
  const share = failures.length === n ? "" : ` (${failures.length} of ${n} attempts)`;
  const controlOk = f.control?.faultClass === "ok";
  const viaControl = controlOk ? ` through ${f.controlName} it answers ${f.control!.status} in ${Math.round(f.control!.totalMs)} ms` : "";

  // Slow, not dead: the patient attempt got through where our deadline had fired.
  if (f.patient?.faultClass === "ok") {
    const took = f.patient.firstByteMs ?? f.patient.totalMs;
    const proxySlow = main.phase === "tunnel" || main.phase === "proxy_tls" || controlOk;
    const who = proxySlow ? "This proxy" : "The target";
    const headline = `${who} needs ${seconds(took)} to answer; this pool waits ${seconds(f.timeouts.firstByteMs)}.`;
    const hop: FailingHop = proxySlow ? "proxy" : "target";
    if (!f.pool) return verdict(hop, headline, "No pool of this node probes on a schedule, so there is no timeout to raise.", null);
    if (f.pool.targetOverrideMs !== null)
      return verdict(hop, headline, `The target's own first-byte timeout (${seconds(f.pool.targetOverrideMs)}) applies, not the pool's: edit the target.`, null);
    const raiseTo = Math.min(120, Math.max(Math.ceil((took * 1.5) / 1000), Math.ceil(f.timeouts.firstByteMs / 1000) + 1));
    return verdict(hop, headline, `One attempt with a longer limit answered ${f.patient.status} after ${seconds(took)}; every other failure was our own deadline.`, {
      kind: "raise_first_byte_timeout",
      label: `Raise pool ${f.pool.name}'s first-byte timeout to ${raiseTo} s`,
      poolId: f.pool.id,
      firstByteTimeoutMs: raiseTo * 1000,
      targetId: null,
    });
  }

  if (failedBeforeTarget(main)) {
    const why = main.reason;
    switch (main.faultClass) {
      case "proxy_unreachable":
        return main.faultOrigin === "proxy"
          ? verdict("proxy", `Nothing listens on ${address}: the proxy is down or moved.`, why, disable())
          : verdict("network", `The proxy at ${address} does not accept connections (no answer within ${seconds(f.timeouts.connectMs)}).`, why, disable());
      case "proxy_auth":
        return verdict("proxy", "The proxy rejects this node's credentials.", `${why}. Fix the user name or password (Edit), then enable the node.`, disable());
      case "tunnel_failed":
        return verdict("proxy", "The proxy refuses to open a tunnel to this target (its own policy); the target was never asked.", why, excludeTarget(f));
      case "upstream_timeout":
        return verdict("proxy", `The proxy accepts the connection but never opens the tunnel (silent for ${seconds(f.timeouts.firstByteMs)}${f.patient ? `, and for ${seconds(f.patient.totalMs)} on a patient attempt` : ""}).`, why, disable());
      case "invalid_response":
        return verdict("proxy", "The proxy answers garbage instead of HTTP or SOCKS.", why, disable());
      case "tls_error":
        return verdict("proxy", "TLS with the proxy fails.", why, disable());
      case "reset":
        return verdict("proxy", "The proxy hangs up during the handshake.", why, disable());
      default:
        return verdict("proxy", `The proxy refuses the request itself${share}: ${main.faultClass}.`, why, rotateOrDisable(f));
    }
  }

  // The target answered this node, but not with what it should.
  if (TARGET_SIDE_ANSWERS.has(main.faultClass)) {
    if (controlOk)
      return verdict("target", `The target refuses this node${share} (${main.status}), while${viaControl}: it blocks this node's exit.`, main.reason, f.node.hasRotationUrl ? rotate() : excludeTarget(f));
    const nodes = f.control ? "every node tried" : "this node (no control node to compare with)";
    const what = main.faultClass === "blocked" ? `blocks ${nodes} (${main.reason.split(";")[0]})` : `answers ${main.status} through ${nodes}`;
    return verdict("target", `The target ${what}${f.control ? ": not a proxy problem" : ""}.`, main.reason, null);
  }

  if (controlOk) {
    const unmarked = main.responderEvidence === "control"; // an unmarked 5xx the control showed to be the proxy's own
    // The proxy blamed the target (or a timeout upstream), or the tunnel broke after it opened: its far side.
    const claimedTarget = raw.responder === "proxy" && raw.faultOrigin !== "proxy";
    const afterTunnel = raw.responder !== "proxy" && Boolean(raw.tunnelMs) && (raw.phase === "tls" || raw.phase === "headers" || raw.phase === "body");
    const hop: FailingHop = !unmarked && (claimedTarget || afterTunnel) ? "proxy_upstream" : "proxy";
    const single = raw.reason;
    const what =
      hop === "proxy_upstream"
        ? `This node fails the target${share} (${main.faultClass}), yet${viaControl}: its exit or parent is broken.`
        : main.status
          ? `The proxy answers its own ${main.status}${share}, yet${viaControl}.`
          : `The proxy fails the request itself${share} (${main.faultClass}), yet${viaControl}.`;
    return verdict(hop, what, single, rotateOrDisable(f));
  }

  if (f.control && main.faultOrigin === "target") {
    const what = main.status ? `answers ${main.status}` : `fails (${main.faultClass})`;
    return verdict("target", `The target ${what} through every node tried: not a proxy problem.`, `${main.reason}`, null);
  }
  if (!f.control && main.faultOrigin === "target" && main.originEvidence !== "none") {
    return verdict("target", `The proxy says the target cannot be reached (${main.faultClass}); no control node could confirm it.`, main.reason, null);
  }
  if (!f.control && main.faultOrigin === "proxy") return verdict("proxy", `The proxy fails this target itself${share}: ${main.faultClass}.`, main.reason, rotateOrDisable(f));
  const noControl = f.controlsTried === 0 ? "no other enabled node of this pool to compare with" : `${f.controlsTried} control node(s) failed on their own account`;
  return verdict("undecided", `Undecided: this node fails the target (${main.faultClass}), and ${noControl}.`, main.reason, null);
}

function verdict(failingHop: FailingHop, headline: string, explanation: string, action: RecommendedAction | null): DiagnosisVerdict {
  return { failingHop, headline, explanation, action };
}

function disable(): RecommendedAction {
  return { kind: "disable", label: "Disable this node", poolId: null, firstByteTimeoutMs: null, targetId: null };
}

function rotate(): RecommendedAction {
  return { kind: "rotate", label: "Rotate this node's exit IP", poolId: null, firstByteTimeoutMs: null, targetId: null };
}

function rotateOrDisable(f: Findings): RecommendedAction {
  return f.node.hasRotationUrl ? rotate() : disable();
}

function excludeTarget(f: Findings): RecommendedAction {
  return { kind: "exclude_target", label: `Stop probing ${f.target.url} through this node`, poolId: null, firstByteTimeoutMs: null, targetId: f.target.id };
}

/** The most frequent failure class (first seen wins a tie). */
function dominant(failures: ProbeAttempt[]): ProbeAttempt {
  const counts = new Map<string, number>();
  for (const a of failures) counts.set(a.faultClass, (counts.get(a.faultClass) ?? 0) + 1);
  return failures.reduce((best, a) => ((counts.get(a.faultClass) ?? 0) > (counts.get(best.faultClass) ?? 0) ? a : best), failures[0]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
}

function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(msValue < 10_000 ? 1 : 0)} s`;
}
