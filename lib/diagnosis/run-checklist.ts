import { performance } from "node:perf_hooks";
import { isNodeFault } from "@/lib/probe/fault-taxonomy";
import { matchFingerprint, proxyErrorMarker } from "@/lib/probe/fingerprints";
import { resolveHost } from "@/lib/probe/host-lookup";
import { DEFAULT_TIMEOUTS, runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTargetSpec, type ProbeTimeouts } from "@/lib/probe/probe-check";
import { STEP_KEYS, STEP_TITLES, type DiagnosisAttempt, type DiagnosisStep, type DiagnosisVerdict } from "./schema";
import { decideVerdict, failedBeforeTarget, type Findings } from "./verdict";

export interface ChecklistNode extends ProbeNode {
  /** How the node is named in sentences (label or address). */
  name: string;
  hasRotationUrl: boolean;
}

export interface ChecklistInput {
  node: ChecklistNode;
  target: ProbeTargetSpec & { id: string };
  /** The timeouts scheduled probes of this node × target use (pool's, with the target's overrides). */
  timeouts: Partial<ProbeTimeouts>;
  /** The pool whose first-byte timeout a "raise the timeout" verdict would change (null: no probe settings). */
  pool: { id: string; name: string; firstByteTimeoutMs: number; targetOverrideMs: number | null } | null;
  /** Known-good candidates of the same pool, best first; the first one that does not fail on its own account is the control. */
  controls: (ProbeNode & { name: string })[];
  /** lookup (proxy host names), CA for lab/private targets. */
  check: Omit<ProbeCheckOptions, "signal" | "timeouts" | "captureResponse">;
  /** Attempts through the node (default 3). */
  attempts?: number;
  /** First-byte limit of the one patient attempt after our own timeout fired (default max(4× the pool's, 10 s), at most 60 s). */
  patientFirstByteMs?: number;
  /** The exit-IP step: an IP-echo target, and who else left through an IP lately. */
  exitIp: {
    echoTarget: ProbeTargetSpec | null;
    lastKnown: string | null;
    sharedWith(ip: string): Promise<string[]>;
  };
  signal?: AbortSignal;
}

export interface ChecklistOutcome {
  steps: DiagnosisStep[];
  verdict: DiagnosisVerdict;
}

/**
 * The 502 checklist, run for one node × target: every step is a real request made with the probe
 * engine (runProbeCheck: its phases, timings and classification) — resolve the proxy host, TCP
 * connect and handshake (read off the first attempt's phases), a few attempts at the target, the
 * same through a control node (folded in with applyControl, as probes do), the response
 * signature (the fingerprint and marker tables), the exit IP — then one verdict. Each step is
 * reported as it completes (live progress), skipped steps included.
 */
export async function runChecklist(input: ChecklistInput, onStep: (step: DiagnosisStep) => void | Promise<void>): Promise<ChecklistOutcome> {
  const steps: DiagnosisStep[] = [];
  const report = async (step: Omit<DiagnosisStep, "title" | "attempts" | "ms"> & Partial<Pick<DiagnosisStep, "attempts" | "ms">>) => {
    const full: DiagnosisStep = { title: STEP_TITLES[step.key], attempts: [], ms: null, ...step };
    steps.push(full);
    await onStep(full);
  };
  const skipRest = async (why: string) => {
    for (const key of STEP_KEYS) if (!steps.some((s) => s.key === key)) await report({ key, status: "skipped", summary: why, details: [] });
  };
  const timeouts: ProbeTimeouts = { ...DEFAULT_TIMEOUTS, ...input.timeouts };
  const { node, target } = input;
  const findings: Findings = { node, target, pool: input.pool, timeouts, resolveError: null, attempts: [], control: null, controlName: null, controlsTried: 0, patient: null };

  // 1. Resolve: IP literals pass through; names go to the product's lookup (never the system resolver in tests).
  const resolveStart = performance.now();
  let address: string;
  try {
    address = await resolveHost(node.host, input.check.lookup);
  } catch (error) {
    findings.resolveError = error instanceof Error ? error.message : String(error);
    await report({ key: "resolve", status: "failed", summary: findings.resolveError, details: [], ms: ms(resolveStart) });
    await skipRest("the proxy host did not resolve");
    return finish();
  }
  const literal = address === node.host.replace(/^\[|\]$/g, "");
  await report({ key: "resolve", status: "ok", summary: literal ? `${address} is an IP literal (no lookup)` : `${node.host} → ${address}`, details: [], ms: ms(resolveStart) });
  const resolved: ProbeNode = { ...node, host: address };
  const check = (via: ProbeNode, spec: ProbeTargetSpec, limits: ProbeTimeouts) => runProbeCheck(via, spec, { ...input.check, timeouts: limits, signal: input.signal, captureResponse: true });

  // 2–4. Attempts through the node; connect and handshake are read off the first one's phases.
  const wanted = input.attempts ?? 3;
  for (let i = 0; i < wanted; i++) {
    const attempt = await check(resolved, target, timeouts);
    findings.attempts.push(attempt);
    if (i === 0) {
      await report(connectStep(attempt));
      await report(handshakeStep(node, target, attempt));
    }
    // A node that fails before the target twice the same way has said all it will.
    if (i >= 1 && failedBeforeTarget(attempt) && attempt.faultClass === findings.attempts[i - 1].faultClass) break;
  }
  const failures = findings.attempts.filter((a) => a.faultClass !== "ok");
  const slowByUs = failures.length > 0 && failures.every((a) => a.faultClass === "upstream_timeout" && (a.phase === "tunnel" || a.phase === "headers" || a.phase === "proxy_tls"));
  if (slowByUs) {
    // Our own deadline fired: is the node (or the target) dead, or just slower than the pool waits?
    const patientMs = input.patientFirstByteMs ?? Math.min(60_000, Math.max(4 * timeouts.firstByteMs, 10_000));
    findings.patient = await check(resolved, target, { ...timeouts, firstByteMs: patientMs, totalMs: patientMs + timeouts.totalMs });
  }
  await report(targetStep(findings));

  // 5. Control: only when the node reached the target side and something failed.
  if (failures.length === 0) {
    await report({ key: "control", status: "skipped", summary: "not needed: every attempt through this node was fine", details: [] });
  } else if (failures.every(failedBeforeTarget)) {
    await report({ key: "control", status: "skipped", summary: "not needed: the node failed before the target was asked", details: [] });
  } else if (input.controls.length === 0) {
    await report({ key: "control", status: "warning", summary: "no other enabled node shares a pool with this one: nothing to compare with", details: [] });
  } else {
    const details: string[] = [];
    for (const candidate of input.controls.slice(0, 3)) {
      findings.controlsTried++;
      const control = await check(candidate, target, timeouts);
      details.push(`${candidate.name}: ${describe(control)}`);
      if (control.faultClass !== "ok" && isNodeFault(control.faultOrigin)) continue; // the control node's own trouble: try the next
      findings.control = control;
      findings.controlName = candidate.name;
      break;
    }
    const control = findings.control;
    await report({
      key: "control",
      status: !control ? "warning" : control.faultClass === "ok" ? "ok" : "failed",
      summary: !control
        ? `no control node answered on its own account (${findings.controlsTried} tried): undecided`
        : control.faultClass === "ok"
          ? `the target answers ${control.status} through ${findings.controlName} in ${Math.round(control.totalMs)} ms`
          : `the target fails through ${findings.controlName} too: ${control.reason}`,
      details,
      attempts: control ? [attemptView("control", control)] : [],
    });
  }

  // 6. Response signature of what this node answered.
  await report(signatureStep(findings.attempts));

  // 7. Exit IP, and who else leaves through it.
  await report(await exitIpStep(input, resolved, findings));
  return finish();

  function finish(): ChecklistOutcome {
    return { steps, verdict: decideVerdict(findings) };
  }
}

function ms(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

function describe(a: ProbeAttempt): string {
  return a.faultClass === "ok" ? `ok, ${a.status} in ${Math.round(a.totalMs)} ms` : `${a.faultClass}: ${a.reason}`;
}

export function attemptView(via: DiagnosisAttempt["via"], a: ProbeAttempt): DiagnosisAttempt {
  return {
    via,
    nodeId: a.nodeId,
    faultClass: a.faultClass,
    bucket: a.bucket,
    status: a.status,
    responder: a.responder,
    faultOrigin: a.faultOrigin,
    originEvidence: a.originEvidence,
    reason: a.reason,
    phase: a.phase ?? null,
    connectMs: a.connectMs,
    tunnelMs: a.tunnelMs ?? null,
    tlsMs: a.tlsMs,
    firstByteMs: a.firstByteMs,
    totalMs: a.totalMs,
    exitIp: a.exitIp,
  };
}

function connectStep(a: ProbeAttempt): Omit<DiagnosisStep, "title"> {
  const refused = a.faultClass === "proxy_unreachable";
  return {
    key: "connect",
    status: refused ? "failed" : "ok",
    summary: refused ? a.reason : `connected in ${a.connectMs} ms`,
    details: refused && a.errorDetail ? [a.errorDetail] : [],
    ms: a.connectMs,
    attempts: [],
  };
}

function handshakeStep(node: ProbeNode, target: ProbeTargetSpec, a: ProbeAttempt): Omit<DiagnosisStep, "title"> {
  const tunnel = node.scheme === "socks5" || target.url.startsWith("https:");
  const what = [
    node.scheme === "https" ? "TLS with the proxy" : null,
    node.scheme === "socks5" ? "SOCKS5 greeting, auth and CONNECT reply" : tunnel ? "CONNECT answered 2xx" : "absolute-form request accepted (plain http needs no tunnel)",
    node.username ? "credentials accepted" : null,
  ]
    .filter(Boolean)
    .join(", ");
  if (a.faultClass === "proxy_unreachable") return { key: "handshake", status: "skipped", summary: "no connection to shake hands on", details: [], ms: null, attempts: [] };
  const failedHere = a.faultClass === "proxy_auth" || a.faultClass === "tunnel_failed" || (a.faultClass !== "ok" && (a.phase === "proxy_tls" || a.phase === "tunnel"));
  const forwardFailure = !tunnel && failedBeforeTarget(a) && a.faultClass !== "ok";
  if (failedHere || forwardFailure) return { key: "handshake", status: "failed", summary: a.reason, details: a.errorDetail ? [a.errorDetail] : [], ms: null, attempts: [] };
  return { key: "handshake", status: "ok", summary: `${what}${a.tunnelMs ? ` (tunnel open after ${a.tunnelMs} ms)` : ""}`, details: [], ms: a.tunnelMs ?? null, attempts: [] };
}

function targetStep(f: Findings): Omit<DiagnosisStep, "title"> {
  const ok = f.attempts.filter((a) => a.faultClass === "ok");
  const firstBytes = ok.map((a) => a.firstByteMs ?? a.totalMs).sort((x, y) => x - y);
  const median = firstBytes.length ? Math.round(firstBytes[Math.floor(firstBytes.length / 2)]) : null;
  const failed = f.attempts.filter((a) => a.faultClass !== "ok");
  const classes = [...new Set(failed.map((a) => a.faultClass))].join(", ");
  const details = f.attempts.map((a, i) => `#${i + 1} ${describe(a)}`);
  if (f.patient) details.push(`one patient attempt (a longer first-byte limit than the pool's ${f.timeouts.firstByteMs} ms): ${describe(f.patient)}`);
  return {
    key: "target",
    status: failed.length === 0 ? "ok" : ok.length > 0 ? "warning" : "failed",
    summary:
      failed.length === 0
        ? `${ok.length} of ${f.attempts.length} ok, first byte p50 ${median} ms`
        : `${failed.length} of ${f.attempts.length} failed (${classes})${ok.length ? `, ${ok.length} ok` : ""}`,
    details,
    ms: median,
    attempts: [...f.attempts.map((a) => attemptView("node", a)), ...(f.patient ? [attemptView("patient", f.patient)] : [])],
  };
}

function signatureStep(attempts: ProbeAttempt[]): Omit<DiagnosisStep, "title"> {
  const failed = attempts.find((a) => a.faultClass !== "ok");
  const seen = failed ?? attempts[0];
  const response = seen?.response;
  const details: string[] = [];
  let summary = "no HTTP answer to read (the failure came before one)";
  let status: DiagnosisStep["status"] = failed ? "info" : "ok";
  if (response) {
    const marker = proxyErrorMarker(response.headers);
    const fingerprint = matchFingerprint(response.status, response.headers, response.bodySample);
    const where = response.mode === "connect" ? "CONNECT answer" : response.mode === "forward" ? "answer in absolute-form" : "answer through the tunnel";
    const written = fingerprint ? `written by ${fingerprint.text}${fingerprint.fingerprint.role === "reverse_proxy" ? " (a reverse proxy: usually the target's own front)" : ""}` : null;
    details.push(`${where}: ${response.status}`);
    details.push(marker ? `proxy error marker: ${marker.text}` : "no proxy error marker (Proxy-Status, X-Squid-Error, gateway headers)");
    details.push(written ?? "no known software fingerprint");
    if (response.headers.server) details.push(`Server: ${String(response.headers.server)}`);
    if (response.headers.via) details.push(`Via: ${String(response.headers.via)}`);
    summary = marker
      ? `${where} ${response.status}, proxy error marker: ${marker.text}`
      : written
        ? `${where} ${response.status}, ${written}`
        : failed
          ? `${where} ${response.status}: no proxy marker, no known fingerprint (it does not say who wrote it)`
          : `${where} ${response.status}: nothing unusual`;
  }
  const blocked = attempts.find((a) => a.faultClass === "blocked");
  if (blocked) {
    summary = `block/captcha: ${blocked.reason}`;
    details.push(summary);
    status = "warning";
  }
  const invalid = attempts.find((a) => a.faultClass === "invalid_response");
  if (invalid) {
    summary = `invalid HTTP: ${invalid.errorDetail ?? invalid.reason}`;
    details.push(summary);
    status = "warning";
  }
  return { key: "signature", status, summary, details, ms: null, attempts: [] };
}

async function exitIpStep(input: ChecklistInput, resolved: ProbeNode, f: Findings): Promise<Omit<DiagnosisStep, "title">> {
  let ip = f.attempts.find((a) => a.exitIp)?.exitIp ?? null;
  let source = "from the target's answer";
  const reachable = f.attempts.some((a) => !failedBeforeTarget(a));
  if (!ip && input.exitIp.echoTarget && reachable) {
    const echo = await runProbeCheck(resolved, input.exitIp.echoTarget, { ...input.check, timeouts: f.timeouts, signal: input.signal });
    ip = echo.exitIp;
    source = `from the IP-echo target ${input.exitIp.echoTarget.url}`;
  }
  if (!ip && input.exitIp.lastKnown) {
    ip = input.exitIp.lastKnown;
    source = "last one recorded (no fresh echo)";
  }
  if (!ip) return { key: "exit_ip", status: "info", summary: reachable ? "unknown: add an IP-echo target (a URL ending in /ip) to see it" : "unknown: the node is not reachable", details: [], ms: null, attempts: [] };
  const others = await input.exitIp.sharedWith(ip);
  return {
    key: "exit_ip",
    status: others.length ? "warning" : "ok",
    summary: others.length ? `${ip}, shared with ${others.length} other node${others.length === 1 ? "" : "s"} (a block on one is a block on all)` : `${ip}, not shared with any other node`,
    details: [source, ...others.slice(0, 10)],
    ms: null,
    attempts: [],
  };
}
