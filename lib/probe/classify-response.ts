import type { IncomingHttpHeaders } from "node:http";
import type { Evidence, FaultClass, FaultOrigin, Responder } from "./fault-taxonomy";
import { matchFingerprint, proxyErrorMarker, SOCKS_REPLIES, type ErrorClaim } from "./fingerprints";

/** Who produced what we saw and who is to blame, each with the evidence that decided it. */
export interface Attribution {
  responder: Responder;
  responderEvidence: Evidence;
  faultOrigin: FaultOrigin;
  originEvidence: Evidence;
}

/** Decision of the classifier: the class, the two answers, and the one-line why stored with the attempt. */
export interface Verdict extends Attribution {
  faultClass: FaultClass;
  reason: string;
}

export function verdict(faultClass: FaultClass, reason: string, responder: [Responder, Evidence], origin: [FaultOrigin, Evidence]): Verdict {
  return { faultClass, reason, responder: responder[0], responderEvidence: responder[1], faultOrigin: origin[0], originEvidence: origin[1] };
}

/**
 * Who is to blame for an answer the proxy made itself, from what the answer claims: "I could not
 * reach the target" points at the target; a timeout could be its exit, a parent or the target
 * (undecided until another path is asked); anything else, and no claim at all, is the proxy's.
 */
export function originFromClaim(claim: ErrorClaim | undefined, evidence: Evidence): [FaultOrigin, Evidence] {
  if (claim === "destination") return ["target", evidence];
  if (claim === "timeout") return ["unknown", "none"];
  return ["proxy", claim ? evidence : "phase"];
}

const CAPTCHA_MARKERS = /captcha|g-recaptcha|h-captcha|cf-chl|challenge-platform|are you a robot|just a moment\.\.\./i;

function via(headers: IncomingHttpHeaders): string {
  return headers.via ? ` (Via: ${headers.via})` : "";
}

/**
 * A non-2xx answer to CONNECT comes from the proxy: the tunnel never reached the target. It is
 * the proxy's fault unless its own marker or page says the target could not be reached.
 */
export function classifyConnectAnswer(status: number, headers: IncomingHttpHeaders, bodySample = ""): Verdict {
  const by = `CONNECT answered ${status} by proxy${via(headers)}`;
  const marker = proxyErrorMarker(headers);
  const fingerprint = marker ? undefined : matchFingerprint(status, headers, bodySample);
  const said = marker ? `; ${marker.text}` : fingerprint ? `; page by ${fingerprint.text}` : "";
  const origin = marker ? originFromClaim(marker.claim, "marker") : originFromClaim(fingerprint?.fingerprint.claim, "fingerprint");
  const proxy: [Responder, Evidence] = ["proxy", "phase"];
  if (status === 407) return verdict("proxy_auth", by, proxy, ["proxy", "phase"]);
  if (status === 504) return verdict("proxy_504", by + said, proxy, origin);
  if (status >= 500) return verdict("proxy_502", by + said, proxy, origin);
  return verdict("tunnel_failed", by + said, proxy, ["proxy", "phase"]);
}

/** RFC 1928 reply names as the socks package reports them ("Socks5 proxy rejected connection - NotAllowed"). */
export function classifySocksError(message: string): Verdict | undefined {
  const proxy: [Responder, Evidence] = ["proxy", "phase"];
  if (/Authentication failed|no accepted authentication type/i.test(message)) return verdict("proxy_auth", `SOCKS5 auth refused: ${message}`, proxy, ["proxy", "phase"]);
  const name = /rejected connection - (\S+)/.exec(message)?.[1];
  if (!name) return undefined;
  const reply = SOCKS_REPLIES[name];
  const by = `SOCKS5 proxy replied ${name}${reply ? ` (0x0${reply.code}: ${reply.meaning})` : ""}`;
  // A reply code outside RFC 1928 (or garbage parsed as one) is a broken handshake, not a refusal.
  if (!reply) return verdict("invalid_response", `SOCKS5 proxy sent an invalid reply (${name})`, proxy, ["proxy", "phase"]);
  if (reply.claim === "policy") return verdict("tunnel_failed", by, proxy, ["proxy", "phase"]);
  const origin = originFromClaim(reply.claim, "marker");
  if (reply.claim === "timeout") return verdict("proxy_504", by, proxy, origin);
  return verdict("proxy_502", by, proxy, origin);
}

export interface ResponseFacts {
  /** "forward": absolute-form through an HTTP proxy, so the proxy may have answered itself. */
  mode: "forward" | "tunnel";
  status: number;
  headers: IncomingHttpHeaders;
  bodySample: string;
  expectedStatus?: number;
}

/**
 * Classifies a complete HTTP answer. Through a tunnel the bytes are the target's (phase). In
 * absolute-form the proxy may have written them: its marker or a forward-proxy fingerprint says
 * so; an error answer with neither is undecided (a relayed target page and an unmarked proxy
 * page look alike) until a control request or the cohort decides.
 */
export function classifyResponse(facts: ResponseFacts): Verdict {
  const { status, headers } = facts;
  const forward = facts.mode === "forward";
  if (forward && status >= 400) {
    if (status === 407) return verdict("proxy_auth", `proxy answered 407${via(headers)}`, ["proxy", "phase"], ["proxy", "phase"]);
    const marker = proxyErrorMarker(headers);
    const fingerprint = marker ? undefined : matchFingerprint(status, headers, facts.bodySample);
    const own = fingerprint && fingerprint.fingerprint.role !== "reverse_proxy" ? fingerprint : undefined;
    if (marker || own) {
      const by = marker ? `proxy answered ${status} itself (${marker.text})` : `proxy answered ${status} itself (page by ${own!.text})`;
      const responder: [Responder, Evidence] = ["proxy", marker ? "marker" : "fingerprint"];
      const origin = marker ? originFromClaim(marker.claim, "marker") : originFromClaim(own!.fingerprint.claim, "fingerprint");
      if (status === 504) return verdict("proxy_504", by, responder, origin);
      if (status >= 500) return verdict("proxy_502", by, responder, origin);
      if (marker?.claim === "auth" || own?.fingerprint.claim === "auth") return verdict("proxy_auth", by, responder, ["proxy", responder[1]]);
      return verdict("tunnel_failed", by, responder, ["proxy", responder[1]]);
    }
    if (status >= 500) {
      const looks = fingerprint ? `, page looks like ${fingerprint.text} (no evidence either way)` : "";
      const from = `${status} relayed by proxy${via(headers)}, no proxy error marker${looks}`;
      const cls: FaultClass = status === 502 ? "target_502" : status === 504 ? "target_504" : "target_5xx";
      return verdict(cls, from, ["unknown", "none"], ["unknown", "none"]);
    }
  }
  const from = forward ? `target's ${status} relayed by proxy${via(headers)}` : `target answered ${status} through the tunnel`;
  // A tunnel carries the target's bytes; a relayed non-5xx answer without a proxy marker is the target's too.
  const target: [Responder, Evidence] = ["target", "phase"];
  const blame: [FaultOrigin, Evidence] = ["target", "phase"];
  if (status === 502) return verdict("target_502", from, target, blame);
  if (status === 504) return verdict("target_504", from, target, blame);
  if (status >= 500) return verdict("target_5xx", from, target, blame);
  if ((status === 200 || status === 403) && CAPTCHA_MARKERS.test(facts.bodySample)) return verdict("blocked", `${status} with a captcha/challenge page`, target, blame);
  if (status === 403 || status === 429) return verdict("blocked", `target answered ${status}`, target, blame);
  if (status >= 400) return verdict("target_4xx", from, target, blame);
  if (facts.expectedStatus && status !== facts.expectedStatus) return verdict("unexpected_status", `answered ${status}, expected ${facts.expectedStatus}`, target, blame);
  return verdict("ok", `answered ${status}`, target, ["none", "phase"]);
}

/** Exit IP from an IP-echo answer: {"ip":…} (lab, ipify), {"origin":…} (httpbin), {"query":…} (ip-api). */
export function exitIpFromBody(contentType: string | undefined, body: string): string | null {
  if (!contentType?.includes("json") || body.length > 4096) return null;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const ip = parsed.ip ?? parsed.origin ?? parsed.query;
    return typeof ip === "string" && ip.length <= 64 ? ip.split(",")[0].trim() : null;
  } catch {
    return null;
  }
}
