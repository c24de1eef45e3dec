import { seededRandom } from "./seeded-random";

/** How a lab proxy misbehaves. Upstream faults (own 502/504) come from the targets it is sent to. */
export type ProxyBehaviour =
  | { kind: "healthy" }
  /** Port closed: nothing listens there. */
  | { kind: "refuse" }
  /** Accepts the connection, then never answers (lets go when the client does). */
  | { kind: "hang" }
  /** Connection attempts are silently dropped (no RST, no SYN-ACK): clients wait for their connect timeout. */
  | { kind: "blackhole" }
  /** CONNECT answered 403/405; SOCKS replies "connection not allowed by ruleset". */
  | { kind: "tunnel_refused"; status?: 403 | 405 }
  /** Waits delayMs before handling each request or tunnel. */
  | { kind: "slow"; delayMs: number }
  /** Fails failRate of requests (own 502 / SOCKS general failure), drawn from a seeded PRNG. */
  | { kind: "flaky"; failRate: number; seed: number }
  /** A backconnect gateway whose exit peer is gone: answers its own 502 to everything. */
  | { kind: "bad_gateway" }
  /** A gateway whose exit peer never answers: its own 504 after its upstream timeout. */
  | { kind: "gateway_timeout" }
  /** Its own 502/503/504 with no marker at all; "nginx" dresses it as an nginx error page. */
  | { kind: "unmarked_error"; status: 502 | 503 | 504; page?: "plain" | "nginx" }
  /** Garbage instead of an HTTP status line (HTTP) or a SOCKS reply. */
  | { kind: "garbage" }
  /** Opens the tunnel (CONNECT 200 / SOCKS success), then resets it. Plain forwarding works. */
  | { kind: "reset_after_connect" }
  /** A chain whose parent proxy is dead: reports the next hop refused (502 destination_unavailable / SOCKS 0x05). */
  | { kind: "dead_parent" }
  /**
   * tinyproxy's way: forwards plain HTTP, but when the target refuses, fails or does not answer in
   * its upstream timeout it hangs up without a word instead of answering 502/504. Tunnels: healthy.
   */
  | { kind: "silent_upstream_errors" }
  /** A SOCKS server answering every CONNECT with this RFC 1928 reply code. HTTP: healthy. */
  | { kind: "socks_reply"; code: number };

export type BehaviourKind = ProxyBehaviour["kind"];

export type GateDecision = "proceed" | "hang" | "refuse_tunnel" | "fail" | "timeout" | "unmarked" | "garbage" | "reset_after_connect" | "dead_parent" | "socks_reply";

/** One per proxy: the per-request decision both the HTTP and the SOCKS5 lab proxy apply. */
export class BehaviourGate {
  private readonly random: (() => number) | undefined;

  constructor(readonly behaviour: ProxyBehaviour) {
    this.random = behaviour.kind === "flaky" ? seededRandom(behaviour.seed) : undefined;
  }

  async decide(isTunnel: boolean): Promise<GateDecision> {
    const b = this.behaviour;
    switch (b.kind) {
      case "hang":
        return "hang";
      case "slow":
        await new Promise((resolve) => setTimeout(resolve, b.delayMs));
        return "proceed";
      case "flaky":
        return this.random!() < b.failRate ? "fail" : "proceed";
      case "bad_gateway":
        return "fail";
      case "gateway_timeout":
        return "timeout";
      case "unmarked_error":
        return "unmarked";
      case "garbage":
        return "garbage";
      case "reset_after_connect":
        return isTunnel ? "reset_after_connect" : "proceed";
      case "dead_parent":
        return "dead_parent";
      case "socks_reply":
        return "socks_reply";
      case "tunnel_refused":
        // Plain forwarding still works: real proxies commonly deny CONNECT only.
        return isTunnel ? "refuse_tunnel" : "proceed";
      default:
        return "proceed";
    }
  }
}

export function describeBehaviour(b: ProxyBehaviour): string {
  switch (b.kind) {
    case "slow":
      return `slow (${b.delayMs} ms)`;
    case "flaky":
      return `flaky (${Math.round(b.failRate * 100)}% fail, seed ${b.seed})`;
    case "tunnel_refused":
      return `tunnel refused (${b.status ?? 403})`;
    case "bad_gateway":
      return "own 502 (exit peer gone)";
    case "gateway_timeout":
      return "own 504 (exit peer silent)";
    case "unmarked_error":
      return `own ${b.status}, unmarked${b.page === "nginx" ? " (nginx-looking page)" : ""}`;
    case "reset_after_connect":
      return "resets the tunnel after opening it";
    case "dead_parent":
      return "chain with a dead parent";
    case "silent_upstream_errors":
      return "hangs up without a word when the target fails";
    case "socks_reply":
      return `SOCKS reply 0x0${b.code}`;
    default:
      return b.kind;
  }
}
