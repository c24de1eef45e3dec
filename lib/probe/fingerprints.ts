import type { IncomingHttpHeaders } from "node:http";

/**
 * What a proxy's own error answer says about the failure:
 *  - destination: it could not reach or use the target (refused, no such host, closed early);
 *  - timeout: something upstream did not answer in time (its exit, a parent, or the target);
 *  - proxy: its own failure (internal error, loop, limit, parent/exit peer gone);
 *  - policy: it refused the request by rule (ACL, blocked port);
 *  - auth: it wants or rejected credentials.
 * Only "destination" points away from the node; a timeout needs a second path to decide.
 */
export type ErrorClaim = "destination" | "timeout" | "proxy" | "policy" | "auth";

/** RFC 9209 Proxy-Status error types → what they claim. Unlisted types count as "proxy". */
export const PROXY_STATUS_CLAIMS: Readonly<Record<string, ErrorClaim>> = {
  dns_error: "destination",
  destination_not_found: "destination",
  destination_unavailable: "destination",
  destination_ip_unroutable: "destination",
  connection_refused: "destination",
  connection_terminated: "destination",
  http_response_incomplete: "destination",
  http_protocol_error: "destination",
  tls_protocol_error: "destination",
  tls_certificate_error: "destination",
  tls_alert_received: "destination",
  dns_timeout: "timeout",
  connection_timeout: "timeout",
  connection_read_timeout: "timeout",
  connection_write_timeout: "timeout",
  http_response_timeout: "timeout",
  destination_ip_prohibited: "policy",
  http_request_denied: "policy",
  proxy_internal_error: "proxy",
  proxy_internal_response: "proxy",
  proxy_configuration_error: "proxy",
  proxy_loop_detected: "proxy",
  connection_limit_reached: "proxy",
};

/**
 * Squid's X-Squid-Error codes (errors/templates/ERR_*), as recorded from Squid 5.7 in
 * test/fixtures/real-proxies and from Squid's error-page catalogue. "ERR_CONNECT_FAIL 111" is
 * ECONNREFUSED from the target; "ERR_CONNECT_FAIL 110" a connect timeout.
 */
export const SQUID_ERROR_CLAIMS: Readonly<Record<string, ErrorClaim>> = {
  ERR_CONNECT_FAIL: "destination",
  ERR_DNS_FAIL: "destination",
  ERR_ZERO_SIZE_OBJECT: "destination",
  ERR_INVALID_RESP: "destination",
  ERR_SECURE_CONNECT_FAIL: "destination",
  ERR_READ_TIMEOUT: "timeout",
  ERR_LIFETIME_EXP: "timeout",
  ERR_GATEWAY_FAILURE: "proxy",
  ERR_CANNOT_FORWARD: "proxy",
  ERR_SOCKET_FAILURE: "proxy",
  ERR_READ_ERROR: "destination",
  ERR_WRITE_ERROR: "destination",
  ERR_ACCESS_DENIED: "policy",
  ERR_CACHE_ACCESS_DENIED: "auth",
  ERR_CACHE_MGR_ACCESS_DENIED: "auth",
  ERR_TOO_BIG: "policy",
  ERR_INVALID_REQ: "proxy",
  ERR_INVALID_URL: "proxy",
  ERR_UNSUP_REQ: "proxy",
};

export interface ProxyMarker {
  /** As shown to operators: `Proxy-Status: …`, `X-Squid-Error: …`. */
  text: string;
  claim: ErrorClaim;
}

/**
 * The marker a proxy puts on answers it makes itself (not on answers it relays): RFC 9209
 * Proxy-Status with an error parameter, Squid's X-Squid-Error, the lab's X-Lab-Proxy.
 * Via alone proves nothing: Squid adds Via to relayed answers and to its own alike.
 */
export function proxyErrorMarker(headers: IncomingHttpHeaders): ProxyMarker | undefined {
  const proxyStatus = headers["proxy-status"];
  if (typeof proxyStatus === "string") {
    const error = /;\s*error=("?)([\w-]+)\1/i.exec(proxyStatus)?.[2]?.toLowerCase();
    if (error) return { text: `Proxy-Status: ${proxyStatus}`, claim: PROXY_STATUS_CLAIMS[error] ?? "proxy" };
  }
  const squid = headers["x-squid-error"];
  if (squid) {
    const code = /^(ERR_\w+)(?:\s+(\d+))?/.exec(String(squid));
    const claim = code?.[1] === "ERR_CONNECT_FAIL" && code[2] === "110" ? "timeout" : (SQUID_ERROR_CLAIMS[code?.[1] ?? ""] ?? "proxy");
    return { text: `X-Squid-Error: ${String(squid)}`, claim };
  }
  const lab = headers["x-lab-proxy"];
  if (lab) return { text: `X-Lab-Proxy: ${String(lab)}`, claim: "proxy" };
  return undefined;
}

/**
 * Which software wrote an answer. Forward proxies' own error pages point at the proxy when they
 * arrive in absolute-form (a tunnel carries the target's bytes, so there the same page is the
 * target side's). Reverse proxies and CDNs (nginx, HAProxy, Envoy, Cloudflare) are usually the
 * target's own front: their pages are recorded in the reason but are evidence for no one.
 */
export interface Fingerprint {
  id: string;
  software: string;
  role: "forward_proxy" | "gateway" | "reverse_proxy";
  /** Statuses this row applies to; any error status when absent. */
  statuses?: readonly number[];
  /** Every listed header must match. */
  headers?: Readonly<Record<string, RegExp>>;
  /** Headers that must be absent (tells a proxy's own page from one it relays). */
  withoutHeaders?: readonly string[];
  /** Matched against the first 4 KB of the body. */
  body?: RegExp;
  claim?: ErrorClaim;
  /** Where the row comes from: a recorded fixture or a vendor's public documentation. */
  source: string;
}

export const FINGERPRINTS: readonly Fingerprint[] = [
  {
    id: "squid-error-page",
    software: "Squid",
    role: "forward_proxy",
    headers: { server: /^squid\//i },
    body: /<title>ERROR: The requested URL could not be retrieved<\/title>/i,
    source: "recorded: Squid 5.7 (test/fixtures/real-proxies/squid-*.json)",
  },
  {
    id: "tinyproxy-unable-to-connect",
    software: "tinyproxy",
    role: "forward_proxy",
    headers: { server: /^tinyproxy\//i },
    body: /Unable to connect|unable to connect to the remote web server/i,
    claim: "destination",
    source: "recorded: tinyproxy 1.11.1 (test/fixtures/real-proxies/tinyproxy-*.json)",
  },
  {
    id: "tinyproxy-access-denied",
    software: "tinyproxy",
    role: "forward_proxy",
    statuses: [403],
    headers: { server: /^tinyproxy\//i },
    claim: "policy",
    source: "tinyproxy 1.11.1 source (reqs.c: 403 Access denied)",
  },
  {
    id: "tinyproxy-error-page",
    software: "tinyproxy",
    role: "forward_proxy",
    headers: { server: /^tinyproxy\//i },
    body: /Generated by tinyproxy/i,
    source: "recorded: tinyproxy 1.11.1 (test/fixtures/real-proxies/tinyproxy-*.json)",
  },
  {
    id: "brightdata-error",
    software: "Bright Data",
    role: "gateway",
    headers: { "x-brd-err-code": /./ },
    source: "https://docs.brightdata.com/proxy-networks/errorCatalog (x-brd-err-code / x-brd-err-msg, and RFC 9209 Proxy-Status since 2025)",
  },
  {
    id: "soax-error",
    software: "SOAX",
    role: "gateway",
    headers: { "x-soax-error": /./ },
    source: "https://developers.soax.com/troubleshooting/error-codes (X-SOAX-Error / X-SOAX-Detail on SOAX-level errors)",
  },
  {
    id: "thordata-error",
    software: "Thordata",
    role: "gateway",
    headers: { "x-thor-error-code": /./ },
    source: "https://doc.thordata.com/doc/proxies/proxy-troubleshooting (X-thor-error-code / x-thor-error-msg)",
  },
  {
    id: "nginx-error-page",
    software: "nginx",
    role: "reverse_proxy",
    body: /<center>nginx(\/[\d.]+)?<\/center>/i,
    source: "nginx's built-in error pages (ngx_http_special_response.c)",
  },
  {
    id: "cloudflare",
    software: "Cloudflare",
    role: "reverse_proxy",
    headers: { server: /^cloudflare$/i, "cf-ray": /./ },
    source: "Cloudflare 5xx error pages carry Server: cloudflare and CF-Ray",
  },
  {
    id: "envoy-upstream",
    software: "Envoy",
    role: "reverse_proxy",
    body: /^upstream (connect error or disconnect\/reset before headers|request timeout)/,
    source: "Envoy's local replies (router filter)",
  },
  {
    id: "haproxy-error-page",
    software: "HAProxy",
    role: "reverse_proxy",
    body: /<h1>50[234] (Bad Gateway|Service Unavailable|Gateway Time-out)<\/h1>\s*\n?(The server returned an invalid or incomplete response|No server is available to handle this request|The server didn't respond in time)/i,
    source: "HAProxy's default errorfiles (errors/50x.http)",
  },
];

export interface FingerprintMatch {
  fingerprint: Fingerprint;
  /** "tinyproxy (tinyproxy-unable-to-connect)". */
  text: string;
}

/** The first row that matches an error answer, or undefined. */
export function matchFingerprint(status: number, headers: IncomingHttpHeaders, bodySample: string): FingerprintMatch | undefined {
  if (status < 400) return undefined;
  const head = bodySample.length > 4096 ? bodySample.slice(0, 4096) : bodySample;
  for (const fingerprint of FINGERPRINTS) {
    if (fingerprint.statuses && !fingerprint.statuses.includes(status)) continue;
    if (fingerprint.headers && !Object.entries(fingerprint.headers).every(([name, pattern]) => pattern.test(String(headers[name] ?? "")))) continue;
    if (fingerprint.withoutHeaders?.some((name) => headers[name] !== undefined)) continue;
    if (fingerprint.body && !fingerprint.body.test(head)) continue;
    return { fingerprint, text: `${fingerprint.software} (${fingerprint.id})` };
  }
  return undefined;
}

/** RFC 1928 reply codes as the `socks` client names them, and what each claims. */
export const SOCKS_REPLIES: Readonly<Record<string, { code: number; claim: ErrorClaim; meaning: string }>> = {
  Failure: { code: 0x01, claim: "proxy", meaning: "general SOCKS server failure" },
  NotAllowed: { code: 0x02, claim: "policy", meaning: "connection not allowed by ruleset" },
  NetworkUnreachable: { code: 0x03, claim: "destination", meaning: "network unreachable" },
  HostUnreachable: { code: 0x04, claim: "destination", meaning: "host unreachable" },
  ConnectionRefused: { code: 0x05, claim: "destination", meaning: "connection refused by the target" },
  TTLExpired: { code: 0x06, claim: "timeout", meaning: "TTL expired (SOCKS' only timeout reply)" },
  CommandNotSupported: { code: 0x07, claim: "proxy", meaning: "command not supported" },
  AddressNotSupported: { code: 0x08, claim: "proxy", meaning: "address type not supported" },
};
