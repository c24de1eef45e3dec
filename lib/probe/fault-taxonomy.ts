/**
 * The one fault taxonomy: every probe attempt (and later every caller-reported failure) gets exactly
 * one class, and each class maps to one breakdown bucket and one origin. Change it here only.
 */
export const FAULT_CLASSES = {
  ok: { bucket: "ok", origin: "none", label: "OK" },
  proxy_unreachable: { bucket: "other_failure", origin: "network", label: "Proxy unreachable (refused, DNS, connect timeout)" },
  proxy_auth: { bucket: "other_failure", origin: "proxy", label: "Proxy rejected credentials" },
  tunnel_failed: { bucket: "other_failure", origin: "proxy", label: "Proxy refused the tunnel or request" },
  tls_error: { bucket: "other_failure", origin: "network", label: "TLS handshake failed" },
  proxy_502: { bucket: "502", origin: "proxy", label: "Proxy's own bad-gateway answer" },
  proxy_504: { bucket: "504", origin: "proxy", label: "Proxy's own gateway-timeout answer" },
  upstream_timeout: { bucket: "504", origin: "network", label: "No answer within our timeout" },
  invalid_response: { bucket: "502", origin: "network", label: "Invalid HTTP response" },
  reset: { bucket: "502", origin: "network", label: "Connection reset mid-exchange" },
  // Target 5xx split by status so the 502/504 breakdown can say "the target did it".
  target_502: { bucket: "502", origin: "target", label: "Target's own 502 passed through" },
  target_504: { bucket: "504", origin: "target", label: "Target's own 504 passed through" },
  target_5xx: { bucket: "other_failure", origin: "target", label: "Target's own 5xx passed through" },
  blocked: { bucket: "other_failure", origin: "target", label: "Blocked by target (403/429/captcha)" },
  target_4xx: { bucket: "other_failure", origin: "target", label: "Target answered 4xx" },
} as const;

export type FaultClass = keyof typeof FAULT_CLASSES;
export type FaultBucket = (typeof FAULT_CLASSES)[FaultClass]["bucket"];
export type FaultOrigin = (typeof FAULT_CLASSES)[FaultClass]["origin"];

export const FAULT_CLASS_NAMES = Object.keys(FAULT_CLASSES) as FaultClass[];

export function bucketOf(faultClass: FaultClass): FaultBucket {
  return FAULT_CLASSES[faultClass].bucket;
}

export function originOf(faultClass: FaultClass): FaultOrigin {
  return FAULT_CLASSES[faultClass].origin;
}

/** Class names per bucket, passed to SQL as array parameters (FILTER (WHERE "faultClass" = ANY(…))). */
export const CLASSES_502 = classesWhere((c) => c.bucket === "502");
export const CLASSES_504 = classesWhere((c) => c.bucket === "504");
/**
 * THE health rule's input: failures the node (or its network path) caused — not ok, origin not
 * the target. A block or a target's own 5xx says nothing about the node, so it never counts
 * against it (automatic health, the gateway's checkout filter and the heat map all use this).
 */
export const NODE_FAILURE_CLASSES = classesWhere((c) => c.bucket !== "ok" && c.origin !== "target");

function classesWhere(pick: (spec: (typeof FAULT_CLASSES)[FaultClass]) => boolean): FaultClass[] {
  return FAULT_CLASS_NAMES.filter((name) => pick(FAULT_CLASSES[name]));
}
