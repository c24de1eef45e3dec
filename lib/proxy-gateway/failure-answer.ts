import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { SOCKS_REPLY } from "./socks5-listener";

/** How the gateway's last attempt (or the whole request) failed: a fault class or a gateway outcome. */
export interface GatewayFailure {
  finalClass: FaultClass | "no_healthy_node" | "deadline";
  reason: string;
  nodeId?: string;
  /** Status the node answered (its own 502/504, a refused CONNECT). */
  receivedStatus?: number;
}

/**
 * The one table of answers the gateway makes itself: HTTP status, RFC 9209 Proxy-Status error
 * type, and the SOCKS5 reply for the same outcome. Everything else is the target's answer, relayed.
 */
const ANSWERS: Record<GatewayFailure["finalClass"], { status: 502 | 503 | 504; proxyStatus: string; socks: number }> = {
  proxy_unreachable: { status: 502, proxyStatus: "connection_refused", socks: SOCKS_REPLY.hostUnreachable },
  proxy_auth: { status: 502, proxyStatus: "proxy_configuration_error", socks: SOCKS_REPLY.generalFailure },
  tunnel_failed: { status: 502, proxyStatus: "http_request_denied", socks: SOCKS_REPLY.notAllowed },
  tls_error: { status: 502, proxyStatus: "tls_protocol_error", socks: SOCKS_REPLY.generalFailure },
  proxy_502: { status: 502, proxyStatus: "destination_unavailable", socks: SOCKS_REPLY.hostUnreachable },
  proxy_504: { status: 504, proxyStatus: "connection_timeout", socks: SOCKS_REPLY.ttlExpired },
  upstream_timeout: { status: 504, proxyStatus: "http_response_timeout", socks: SOCKS_REPLY.ttlExpired },
  invalid_response: { status: 502, proxyStatus: "http_protocol_error", socks: SOCKS_REPLY.generalFailure },
  reset: { status: 502, proxyStatus: "connection_terminated", socks: SOCKS_REPLY.generalFailure },
  // Only reached when a pool retries the target's failures and every attempt got one.
  target_502: { status: 502, proxyStatus: "destination_unavailable", socks: SOCKS_REPLY.hostUnreachable },
  target_504: { status: 504, proxyStatus: "http_response_timeout", socks: SOCKS_REPLY.ttlExpired },
  target_5xx: { status: 502, proxyStatus: "destination_unavailable", socks: SOCKS_REPLY.generalFailure },
  blocked: { status: 502, proxyStatus: "http_request_denied", socks: SOCKS_REPLY.notAllowed },
  target_4xx: { status: 502, proxyStatus: "http_request_error", socks: SOCKS_REPLY.generalFailure },
  unexpected_status: { status: 502, proxyStatus: "http_request_error", socks: SOCKS_REPLY.generalFailure },
  ok: { status: 502, proxyStatus: "proxy_internal_error", socks: SOCKS_REPLY.generalFailure },
  no_healthy_node: { status: 503, proxyStatus: "destination_unavailable", socks: SOCKS_REPLY.generalFailure },
  deadline: { status: 504, proxyStatus: "http_response_timeout", socks: SOCKS_REPLY.ttlExpired },
};

/** Origin counted on the overview for a final failure: the gateway's own outcomes, else who the last attempt blamed. */
export function finalOrigin(finalClass: GatewayFailure["finalClass"], last: { faultOrigin: string } | undefined): string {
  if (finalClass === "no_healthy_node" || finalClass === "deadline" || !last) return "gateway";
  return last.faultOrigin;
}

export function socksReplyFor(finalClass: GatewayFailure["finalClass"]): number {
  return ANSWERS[finalClass].socks;
}

const quote = (text: string) => `"${text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, "?").slice(0, 300)}"`;

/**
 * The gateway's own failure answer: `x-switchyard-error: <class>; node=<id>; attempts=<n>` and
 * RFC 9209 `Proxy-Status: switchyard; error=<type>; details="…"` (plus received-status when the
 * node answered), and a plain-text body saying the same in words.
 */
export function failureAnswer(failure: GatewayFailure, attempts: number, poolName: string): { status: number; headers: Record<string, string>; body: string } {
  const answer = ANSWERS[failure.finalClass];
  const named = [failure.finalClass, ...(failure.nodeId ? [`node=${failure.nodeId}`] : []), `attempts=${attempts}`];
  const proxyStatus = [`switchyard; error=${answer.proxyStatus}`, `details=${quote(failure.reason)}`];
  if (failure.receivedStatus) proxyStatus.push(`received-status=${failure.receivedStatus}`);
  const label = failure.finalClass in FAULT_CLASSES ? FAULT_CLASSES[failure.finalClass as FaultClass].label : failure.finalClass === "deadline" ? "Deadline passed" : "No healthy node";
  const body =
    failure.finalClass === "no_healthy_node"
      ? `Switchyard gateway: ${failure.reason}. Nothing was sent. Add or re-enable nodes, or relax the filters in the proxy user name.\n`
      : `Switchyard gateway (pool "${poolName}"): ${label.toLowerCase()} — ${failure.reason}${failure.nodeId ? ` (last node ${failure.nodeId})` : ""}; ${attempts} attempt${attempts === 1 ? "" : "s"}.\n`;
  return {
    status: answer.status,
    headers: { "x-switchyard-error": named.join("; "), "proxy-status": proxyStatus.join("; "), ...(answer.status === 503 && { "retry-after": "5" }) },
    body,
  };
}
