/**
 * The one fault taxonomy. Every probe attempt (and every caller-reported failure) gets exactly one
 * class, which fixes its breakdown bucket. Two further answers are decided per attempt, because
 * the class alone cannot carry them: who produced what we saw (`responder`) and who is to blame
 * (`faultOrigin`), each with the kind of evidence that decided it (lib/probe/attribution.ts).
 * The `responder`/`origin` columns below are what a class means when nothing else is known
 * (caller reports, rows stored before attribution existed). Change it here only.
 */
export const FAULT_CLASSES = {
  ok: { bucket: "ok", responder: "target", origin: "none", label: "OK" },
  proxy_unreachable: { bucket: "other_failure", responder: "none", origin: "network", label: "Proxy unreachable (refused, DNS, connect timeout)" },
  proxy_auth: { bucket: "other_failure", responder: "proxy", origin: "proxy", label: "Proxy rejected credentials" },
  tunnel_failed: { bucket: "other_failure", responder: "proxy", origin: "proxy", label: "Proxy refused the tunnel or request" },
  tls_error: { bucket: "other_failure", responder: "none", origin: "network", label: "TLS handshake failed" },
  proxy_502: { bucket: "502", responder: "proxy", origin: "proxy", label: "Proxy's own bad-gateway answer" },
  proxy_504: { bucket: "504", responder: "proxy", origin: "proxy", label: "Proxy's own gateway-timeout answer" },
  upstream_timeout: { bucket: "504", responder: "none", origin: "network", label: "No answer within our timeout" },
  invalid_response: { bucket: "502", responder: "unknown", origin: "network", label: "Invalid HTTP response" },
  reset: { bucket: "502", responder: "none", origin: "network", label: "Connection reset mid-exchange" },
  // 5xx the proxy did not mark as its own, split by status so the 502/504 breakdown can say who
  // did it. Through a tunnel they are the target's (phase); relayed in absolute-form or reported
  // by a caller they are undecided until a control request or the cohort says.
  target_502: { bucket: "502", responder: "unknown", origin: "unknown", label: "502 not made by the proxy (target's, or unmarked)" },
  target_504: { bucket: "504", responder: "unknown", origin: "unknown", label: "504 not made by the proxy (target's, or unmarked)" },
  target_5xx: { bucket: "other_failure", responder: "unknown", origin: "unknown", label: "Other 5xx not made by the proxy" },
  blocked: { bucket: "other_failure", responder: "target", origin: "target", label: "Blocked by target (403/429/captcha)" },
  target_4xx: { bucket: "other_failure", responder: "target", origin: "target", label: "Target answered 4xx" },
  unexpected_status: { bucket: "other_failure", responder: "target", origin: "target", label: "Answered, but not the target's expected status" },
} as const;

export type FaultClass = keyof typeof FAULT_CLASSES;
export type FaultBucket = (typeof FAULT_CLASSES)[FaultClass]["bucket"];

/** Who produced the bytes (or the silence) the client saw. */
export const RESPONDERS = ["proxy", "target", "none", "unknown"] as const;
export type Responder = (typeof RESPONDERS)[number];

/** Who is to blame: the proxy node, the network to it, the target, or not decidable from what we have. */
export const FAULT_ORIGINS = ["proxy", "network", "target", "unknown", "none"] as const;
export type FaultOrigin = (typeof FAULT_ORIGINS)[number];

/**
 * What decided an answer: a proxy's error marker (Proxy-Status, X-Squid-Error, SOCKS reply code),
 * a fingerprint of the software that wrote the answer, the phase of the exchange it happened in,
 * a control request through another node, the cohort of other nodes on the same target, or none
 * (a default). "migrated": the row predates attribution and took its class's defaults.
 */
export const EVIDENCE_KINDS = ["marker", "fingerprint", "phase", "control", "cohort", "none", "migrated"] as const;
export type Evidence = (typeof EVIDENCE_KINDS)[number];

export const FAULT_CLASS_NAMES = Object.keys(FAULT_CLASSES) as FaultClass[];

export function bucketOf(faultClass: FaultClass): FaultBucket {
  return FAULT_CLASSES[faultClass].bucket;
}

/** The origin a class implies when nothing else is known (caller reports, migrated rows). */
export function originOf(faultClass: FaultClass): FaultOrigin {
  return FAULT_CLASSES[faultClass].origin;
}

export function responderOf(faultClass: FaultClass): Responder {
  return FAULT_CLASSES[faultClass].responder;
}

/** The answers a class gives on its own (caller reports): no evidence beyond the class. */
export function defaultAttribution(faultClass: FaultClass, evidence: Evidence = "none") {
  const spec = FAULT_CLASSES[faultClass];
  return { responder: spec.responder as Responder, responderEvidence: evidence, faultOrigin: spec.origin as FaultOrigin, originEvidence: evidence };
}

/** Failures a node is blamed for: only these count against it (health, top offenders). */
export function isNodeFault(faultOrigin: string): boolean {
  return faultOrigin === "proxy" || faultOrigin === "network";
}

/** Class names per bucket, passed to SQL as array parameters (FILTER (WHERE "faultClass" = ANY(…))). */
export const CLASSES_502 = classesWhere((c) => c.bucket === "502");
export const CLASSES_504 = classesWhere((c) => c.bucket === "504");
/**
 * THE health rule's input: who must be to blame for a failure to count against the node — the
 * node or the network to it (faultOrigin, decided per attempt by lib/probe/attribution.ts). A block
 * or a target's own 5xx says nothing about the node (automatic health, top offenders and the heat
 * map all use this; SQL: FILTER (WHERE "faultOrigin" = ANY(…))).
 */
export const NODE_FAULT_ORIGINS: FaultOrigin[] = ["proxy", "network"];

function classesWhere(pick: (spec: (typeof FAULT_CLASSES)[FaultClass]) => boolean): FaultClass[] {
  return FAULT_CLASS_NAMES.filter((name) => pick(FAULT_CLASSES[name]));
}
