import type { IncomingHttpHeaders } from "node:http";
import type { FaultClass } from "./fault-taxonomy";

/** Decision of the classifier: the class plus the one-line why that is stored with the attempt. */
export interface Verdict {
  faultClass: FaultClass;
  reason: string;
}

const CAPTCHA_MARKERS = /captcha|g-recaptcha|h-captcha|cf-chl|challenge-platform|are you a robot|just a moment\.\.\./i;

/**
 * The marker a proxy puts on answers it makes itself (not on answers it relays): RFC 9209
 * Proxy-Status with an error parameter, Squid's X-Squid-Error, the lab's X-Lab-Proxy.
 * Via alone proves nothing: real proxies add Via to relayed answers too.
 */
export function proxyErrorMarker(headers: IncomingHttpHeaders): string | undefined {
  const proxyStatus = headers["proxy-status"];
  if (typeof proxyStatus === "string" && /;\s*error=/i.test(proxyStatus)) return `Proxy-Status: ${proxyStatus}`;
  const squid = headers["x-squid-error"];
  if (squid) return `X-Squid-Error: ${String(squid)}`;
  const lab = headers["x-lab-proxy"];
  if (lab) return `X-Lab-Proxy: ${String(lab)}`;
  return undefined;
}

function via(headers: IncomingHttpHeaders): string {
  return headers.via ? ` (Via: ${headers.via})` : "";
}

/** A non-2xx answer to CONNECT always comes from the proxy: the tunnel never reached the target. */
export function classifyConnectAnswer(status: number, headers: IncomingHttpHeaders): Verdict {
  const by = `CONNECT answered ${status} by proxy${via(headers)}`;
  if (status === 407) return { faultClass: "proxy_auth", reason: by };
  if (status === 504) return { faultClass: "proxy_504", reason: by };
  if (status >= 500) return { faultClass: "proxy_502", reason: by };
  return { faultClass: "tunnel_failed", reason: by };
}

/** RFC 1928 reply names as the socks package reports them ("Socks5 proxy rejected connection - NotAllowed"). */
export function classifySocksError(message: string): Verdict | undefined {
  if (/Authentication failed|no accepted authentication type/i.test(message)) return { faultClass: "proxy_auth", reason: `SOCKS5 auth refused: ${message}` };
  const rejected = /rejected connection - (\w+)/.exec(message)?.[1];
  if (!rejected) return undefined;
  const by = `SOCKS5 proxy replied ${rejected}`;
  if (rejected === "NotAllowed") return { faultClass: "tunnel_failed", reason: by };
  if (rejected === "TTLExpired") return { faultClass: "proxy_504", reason: `${by} (SOCKS' only timeout reply)` };
  return { faultClass: "proxy_502", reason: `${by} (proxy could not reach the target)` };
}

export interface ResponseFacts {
  /** "forward": absolute-form through an HTTP proxy, so the proxy may have answered itself. */
  mode: "forward" | "tunnel";
  status: number;
  headers: IncomingHttpHeaders;
  bodySample: string;
  expectedStatus?: number;
}

export function classifyResponse(facts: ResponseFacts): Verdict {
  const { status, headers } = facts;
  if (facts.mode === "forward") {
    if (status === 407) return { faultClass: "proxy_auth", reason: `proxy answered 407${via(headers)}` };
    const marker = proxyErrorMarker(headers);
    if (marker && status >= 400) {
      const by = `proxy answered ${status} itself (${marker})`;
      if (status === 504) return { faultClass: "proxy_504", reason: by };
      if (status >= 500) return { faultClass: "proxy_502", reason: by };
      return { faultClass: "tunnel_failed", reason: by };
    }
  }
  const from = facts.mode === "forward" ? `target's ${status} relayed by proxy${via(headers)}, no proxy error marker` : `target answered ${status} through the tunnel`;
  if (status === 502) return { faultClass: "target_502", reason: from };
  if (status === 504) return { faultClass: "target_504", reason: from };
  if (status >= 500) return { faultClass: "target_5xx", reason: from };
  if ((status === 200 || status === 403) && CAPTCHA_MARKERS.test(facts.bodySample))
    return { faultClass: "blocked", reason: `${status} with a captcha/challenge page` };
  if (status === 403 || status === 429) return { faultClass: "blocked", reason: `target answered ${status}` };
  if (status >= 400) return { faultClass: "target_4xx", reason: from };
  if (facts.expectedStatus && status !== facts.expectedStatus) return { faultClass: "ok", reason: `answered ${status} (expected ${facts.expectedStatus})` };
  return { faultClass: "ok", reason: `answered ${status}` };
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
