import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { performance } from "node:perf_hooks";
import { SocksClient } from "socks";
import { classifyConnectAnswer, classifySocksError, verdict, type Verdict } from "@/lib/probe/classify-response";
import { resolveHost, type HostLookup } from "@/lib/probe/host-lookup";
import type { GatewayNode } from "@/lib/gateway/gateway-index";
import { HEAD_END, MAX_HEAD_BYTES, parseHead, type ParsedHead } from "./http1";

/**
 * One upstream node as the forward-proxy gateway talks to it: parsed credentials, a resolved
 * address and, for HTTP(S) nodes, a keep-alive agent of its own (a per-node pool of idle sockets,
 * so plain-HTTP requests skip the TCP connect; LIFO so idle sockets beyond need time out).
 * SOCKS5 nodes get a fresh connection per request (the target is part of the SOCKS handshake).
 */
export class Upstream {
  readonly scheme: "http" | "https" | "socks5";
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly proxyAuthorization: string | undefined;
  readonly agent: HttpAgent | undefined;
  private address: string | undefined;
  lastUsed = Date.now();
  /** Idle raw keep-alive connections of the fast path (LIFO). */
  readonly idle: RawConnection[] = [];
  /** Raw connections carrying an exchange right now. */
  busy = 0;

  constructor(readonly nodeId: string, proxyUrl: string, private readonly options: UpstreamOptions) {
    const url = new URL(proxyUrl);
    this.scheme = url.protocol.slice(0, -1) as Upstream["scheme"];
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port);
    this.username = decodeURIComponent(url.username);
    this.password = decodeURIComponent(url.password);
    this.proxyAuthorization = this.username ? `Basic ${Buffer.from(`${this.username}:${this.password}`).toString("base64")}` : undefined;
    if (isIP(this.host)) this.address = this.host;
    const agentOptions = { keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 64, scheduling: "lifo" as const, timeout: 30_000 };
    if (this.scheme === "http") this.agent = new HttpAgent(agentOptions);
    else if (this.scheme === "https") this.agent = new HttpsAgent({ ...agentOptions, ca: options.ca, servername: isIP(this.host) ? undefined : this.host });
  }

  /** The node's IP (names resolved once per Upstream, i.e. per node URL). */
  resolve(): string | Promise<string> {
    if (this.address) return this.address;
    return resolveHost(this.host, this.options.lookup).then((ip) => (this.address = ip));
  }

  /** An idle raw connection to this node, or a new one (HTTP and HTTPS nodes). */
  take(address: string): RawConnection {
    this.busy++;
    const idle = this.idle.pop();
    if (idle) {
      idle.reused = true;
      idle.markBusy();
      return idle;
    }
    const socket =
      this.scheme === "https"
        ? tlsConnect({ host: address, port: this.port, ca: this.options.ca, servername: isIP(this.host) ? undefined : this.host }).setNoDelay(true)
        : netConnect({ host: address, port: this.port, noDelay: true });
    return new RawConnection(this, socket);
  }

  destroy(): void {
    this.agent?.destroy();
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }
}

const MAX_IDLE_PER_NODE = 64;
/** An idle raw connection older than this is closed (nodes close theirs too; a stale one costs a retry). */
export const RAW_IDLE_MS = 30_000;

/**
 * One raw keep-alive connection to a node (the plain-HTTP fast path). One data and one close
 * listener for its whole life, forwarding to whoever uses it now: no per-request listener churn.
 */
export class RawConnection {
  reused = false;
  idleSince = 0;
  private state: "busy" | "idle" | "closed" = "busy";
  onData: ((chunk: Buffer) => void) | undefined;
  onClose: ((error: Error | undefined) => void) | undefined;
  private error: Error | undefined;

  constructor(private readonly upstream: Upstream, readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      if (this.onData) this.onData(chunk);
      else socket.destroy(); // bytes nobody asked for: the connection is no longer in step
    });
    socket.on("error", (error) => (this.error ??= error));
    socket.once("close", () => {
      const was = this.state;
      this.state = "closed";
      if (was === "busy") this.upstream.busy--;
      else if (was === "idle") {
        const at = this.upstream.idle.indexOf(this);
        if (at >= 0) this.upstream.idle.splice(at, 1);
      }
      const onClose = this.onClose;
      this.onData = this.onClose = undefined;
      onClose?.(this.error);
    });
  }

  get closed(): boolean {
    return this.state === "closed";
  }

  /** The exchange is over: keep the connection for the next one (reusable) or close it. */
  release(reusable: boolean): void {
    if (this.state !== "busy") return;
    this.onData = this.onClose = undefined;
    if (!reusable || this.socket.destroyed || this.upstream.idle.length >= MAX_IDLE_PER_NODE) return void this.socket.destroy();
    this.state = "idle";
    this.upstream.busy--;
    this.idleSince = Date.now();
    if (this.socket.isPaused()) this.socket.resume();
    this.upstream.idle.push(this);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Called by take(): the connection is someone's again. */
  markBusy(): void {
    this.state = "busy";
  }
}

export interface UpstreamOptions {
  lookup?: HostLookup;
  /** Extra CA certificates (PEM) for HTTPS nodes. */
  ca?: string;
}

/** Which step of an attempt was running: decides what a socket error means. */
export type AttemptPhase = "connect" | "proxy_tls" | "tunnel" | "headers";

const PHASE_TEXT: Record<AttemptPhase, string> = {
  connect: "connecting to the node",
  proxy_tls: "TLS handshake with the node",
  tunnel: "waiting for the node to open the tunnel",
  headers: "waiting for the node's answer",
};

/**
 * A socket error or timeout of one attempt, attributed by phase the way lib/probe's checks do it:
 * before the connect it is the way to the node (refused: the node); while the node itself must
 * speak (TLS to it, its CONNECT/SOCKS answer, its status line in absolute-form) it is the node's;
 * silence while a relayed answer is awaited through SOCKS is undecided until another path answers.
 */
export function verdictFromError(error: unknown, phase: AttemptPhase, talkingToNode = true): Verdict {
  const e = error as NodeJS.ErrnoException;
  const code = e.code ?? "";
  const during = PHASE_TEXT[phase];
  if (e instanceof AttemptTimeout) {
    if (phase === "connect") return verdict("proxy_unreachable", `connect timeout (${e.ms} ms) while ${during}`, ["none", "phase"], ["network", "phase"]);
    const reason = `no answer within ${e.ms} ms while ${during}`;
    if (phase === "proxy_tls" || phase === "tunnel") return verdict("upstream_timeout", reason, ["none", "phase"], ["proxy", "phase"]);
    return verdict("upstream_timeout", reason, ["none", "phase"], ["unknown", "none"]);
  }
  if (phase === "connect") return verdict("proxy_unreachable", `${code || e.message} while ${during}`, ["none", "phase"], [code === "ECONNREFUSED" ? "proxy" : "network", "phase"]);
  if (phase === "proxy_tls" && !/ECONNRESET|EPIPE/.test(code) && !/hang up|disconnected/i.test(e.message))
    return verdict("tls_error", `TLS handshake with the node failed: ${code || e.message}`, ["proxy", "phase"], ["proxy", "phase"]);
  const toNode = talkingToNode || phase !== "headers";
  if (code.startsWith("HPE_")) {
    const reason = `unparseable HTTP (${code}) while ${during}`;
    return toNode ? verdict("invalid_response", reason, ["proxy", "phase"], ["proxy", "phase"]) : verdict("invalid_response", reason, ["target", "phase"], ["target", "phase"]);
  }
  const reason = `connection closed (${code || e.message}) while ${during}`;
  return toNode ? verdict("reset", reason, ["proxy", "phase"], ["proxy", "phase"]) : verdict("reset", reason, ["none", "phase"], ["unknown", "none"]);
}

export class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timeout after ${ms} ms`);
  }
}

export interface AttemptTimeouts {
  connectMs: number;
  firstByteMs: number;
}

export type ForwardOutcome =
  | { kind: "response"; request: ClientRequest; response: IncomingMessage; connectMs: number | null; firstByteMs: number }
  | { kind: "failed"; verdict: Verdict; error: unknown; connectMs: number | null; sentRequest: boolean };

export interface ForwardRequest {
  method: string;
  /** Absolute http:// URL (what an HTTP node expects). */
  url: URL;
  headers: OutgoingHttpHeaders;
  body: Buffer | null;
  timeouts: AttemptTimeouts;
  /** Aborts the attempt (client went away, overall deadline). */
  signal: AbortSignal;
}

/**
 * Sends one plain-HTTP request through a node and waits for the answer's headers. Never throws:
 * failures come back classified. A reused keep-alive socket that turns out dead before anything
 * was answered is retried once on a fresh socket (the node closed an idle connection; not a fault).
 */
export async function forwardThrough(upstream: Upstream, input: ForwardRequest): Promise<ForwardOutcome> {
  upstream.lastUsed = Date.now();
  const first = await forwardOnce(upstream, input);
  if (first.kind === "failed" && first.staleSocket && !input.signal.aborted) return forwardOnce(upstream, input);
  return first;
}

async function forwardOnce(upstream: Upstream, input: ForwardRequest): Promise<ForwardOutcome & { staleSocket?: boolean }> {
  const t0 = performance.now();
  let phase: AttemptPhase = "connect";
  let connectMs: number | null = null;
  let address: string;
  try {
    address = await upstream.resolve();
  } catch (error) {
    return { kind: "failed", verdict: unresolved(upstream), error, connectMs, sentRequest: false };
  }
  let socks: Socket | undefined;
  if (upstream.scheme === "socks5") {
    const opened = await openSocksTunnel(upstream, address, input.url.hostname.replace(/^\[|\]$/g, ""), Number(input.url.port || 80), input.timeouts, input.signal);
    if (opened.kind === "failed") return { ...opened, sentRequest: false };
    socks = opened.socket;
    connectMs = opened.connectMs;
  }
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let reused = false;
    const headers: OutgoingHttpHeaders = { ...input.headers };
    if (upstream.proxyAuthorization && !socks) headers["proxy-authorization"] = upstream.proxyAuthorization;
    if (input.body) headers["content-length"] = input.body.length;
    // A SOCKS connection is not pooled: ask the target to close it after this exchange.
    if (socks) headers.connection = "close";
    const options = {
      method: input.method,
      host: address,
      port: upstream.port,
      // Absolute-form for an HTTP node; origin-form once SOCKS has connected us to the target.
      path: socks ? input.url.pathname + input.url.search : input.url.href,
      headers,
      ...(socks ? { createConnection: () => socks } : { agent: upstream.agent }),
    };
    const request = upstream.scheme === "https" ? httpsRequest(options) : httpRequest(options);
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new AttemptTimeout(ms)), ms);
    };
    const finish = (outcome: ForwardOutcome & { staleSocket?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      input.signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      request.destroy();
      socks?.destroy();
      const code = (error as NodeJS.ErrnoException).code;
      const stale = reused && phase === "headers" && (code === "ECONNRESET" || code === "EPIPE");
      finish({ kind: "failed", verdict: verdictFromError(error, phase, !socks), error, connectMs, sentRequest: phase === "headers", staleSocket: stale });
    };
    const onAbort = () => fail(input.signal.reason ?? new Error("aborted"));
    input.signal.addEventListener("abort", onAbort, { once: true });
    request.on("error", fail);
    request.once("socket", (socket: Socket) => {
      reused = request.reusedSocket;
      if (socks || !socket.connecting) {
        connectMs ??= 0;
        phase = "headers";
        arm(input.timeouts.firstByteMs);
        return;
      }
      arm(input.timeouts.connectMs);
      socket.once(upstream.scheme === "https" ? "secureConnect" : "connect", () => {
        connectMs = Math.round((performance.now() - t0) * 10) / 10;
        phase = "headers";
        arm(input.timeouts.firstByteMs);
      });
      if (upstream.scheme === "https")
        socket.once("connect", () => {
          if (phase === "connect") phase = "proxy_tls";
        });
    });
    request.once("response", (response: IncomingMessage) => {
      if (socks) response.once("close", () => socks.destroy());
      finish({ kind: "response", request, response, connectMs, firstByteMs: Math.round((performance.now() - t0) * 10) / 10 });
    });
    request.end(input.body ?? undefined);
  });
}

/** Lets the front end stop an attempt (client gone, deadline). */
export class AttemptCancel {
  cancelled: Error | undefined;
  private handler: ((reason: Error) => void) | undefined;

  cancel(reason: Error): void {
    if (this.cancelled) return;
    this.cancelled = reason;
    const handler = this.handler;
    this.handler = undefined;
    handler?.(reason);
  }

  on(handler: ((reason: Error) => void) | undefined): void {
    this.handler = handler;
  }
}

export type RawOutcome =
  | {
      kind: "response";
      connection: RawConnection | Socket;
      status: number;
      head: ParsedHead;
      /** Bytes after the head that came with it (the start of the body). */
      rest: Buffer;
      connectMs: number | null;
      firstByteMs: number;
      /** A SOCKS tunnel (origin-form, not kept). */
      viaSocks: boolean;
    }
  | { kind: "failed"; verdict: Verdict; error: unknown; connectMs: number | null; sentRequest: boolean };

/**
 * The fast path's exchange with a node: writes a request head (no body) on a kept-alive raw
 * connection (HTTP/HTTPS nodes) or through a SOCKS5 tunnel (origin-form, closed afterwards) and
 * waits for the answer's head; informational (1xx) answers are skipped. Never throws. A reused
 * connection that turns out dead before anything came back is retried once on a fresh one.
 * `head(originForm)` builds the request head for the node.
 */
export async function exchangeRaw(upstream: Upstream, head: (viaSocks: boolean) => string, target: { hostname: string; port: number }, timeouts: AttemptTimeouts, cancel: AttemptCancel): Promise<RawOutcome> {
  upstream.lastUsed = Date.now();
  let address: string;
  try {
    const resolved = upstream.resolve();
    address = typeof resolved === "string" ? resolved : await resolved;
  } catch (error) {
    return { kind: "failed", verdict: unresolved(upstream), error, connectMs: null, sentRequest: false };
  }
  if (upstream.scheme === "socks5") {
    const opened = await openSocksTunnel(upstream, address, target.hostname, target.port, timeouts, cancelSignal(cancel));
    if (opened.kind === "failed") return { ...opened, sentRequest: false };
    if (cancel.cancelled) {
      opened.socket.destroy();
      return { kind: "failed", verdict: verdictFromError(cancel.cancelled, "headers", false), error: cancel.cancelled, connectMs: opened.connectMs, sentRequest: false };
    }
    return exchangeOnce(upstream, undefined, opened.socket, head(true), timeouts, cancel, opened.connectMs);
  }
  const first = await exchangeOnce(upstream, upstream.take(address), undefined, head(false), timeouts, cancel, null);
  if (first.kind === "failed" && first.stale && !cancel.cancelled) return exchangeOnce(upstream, upstream.take(address), undefined, head(false), timeouts, cancel, null);
  return first;
}

function cancelSignal(cancel: AttemptCancel): AbortSignal {
  const controller = new AbortController();
  cancel.on((reason) => controller.abort(reason));
  return controller.signal;
}

function exchangeOnce(
  upstream: Upstream,
  connection: RawConnection | undefined,
  socksSocket: Socket | undefined,
  requestHead: string,
  timeouts: AttemptTimeouts,
  cancel: AttemptCancel,
  socksConnectMs: number | null,
): Promise<RawOutcome & { stale?: boolean }> {
  const t0 = performance.now();
  const socket = connection?.socket ?? socksSocket!;
  const reused = connection?.reused ?? false;
  const fresh = connection !== undefined && !reused && socket.connecting;
  let phase: AttemptPhase = fresh ? "connect" : "headers";
  let connectMs: number | null = fresh ? null : (socksConnectMs ?? 0);
  let received: Buffer | undefined;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    let settled = false;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new AttemptTimeout(ms)), ms);
    };
    const done = (outcome: RawOutcome & { stale?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancel.on(undefined);
      if (socksSocket) {
        socksSocket.off("data", onData);
        socksSocket.off("close", onSocksClose);
      } else if (connection) connection.onData = connection.onClose = undefined;
      resolve(outcome);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      const stale = reused && received === undefined && (error === undefined || /ECONNRESET|EPIPE|hang up/.test(String((error as NodeJS.ErrnoException).code ?? (error as Error).message)));
      if (connection) connection.release(false);
      else socket.destroy();
      const e = error ?? Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      done({ kind: "failed", verdict: verdictFromError(e, phase, !socksSocket), error: e, connectMs, sentRequest: phase === "headers", stale });
    };
    const onData = (chunk: Buffer) => {
      received = received ? Buffer.concat([received, chunk]) : chunk;
      for (;;) {
        const end = received.indexOf(HEAD_END);
        if (end < 0) {
          if (received.length > MAX_HEAD_BYTES) fail(Object.assign(new Error("response head too large"), { code: "HPE_HEADER_OVERFLOW" }));
          return;
        }
        const parsed = parseHead(received.toString("latin1", 0, end));
        const status = parsed && /^HTTP\/1\.[01]$/.test(parsed.first) && /^\d{3}$/.test(parsed.second) ? Number(parsed.second) : 0;
        if (!parsed || status < 100) return fail(Object.assign(new Error("unparseable status line or header"), { code: "HPE_INVALID_HEADER_TOKEN" }));
        received = received.subarray(end + 4);
        if (status < 200 && status !== 101) continue; // 100 Continue, 103 Early Hints: the real answer follows
        socket.pause();
        return done({ kind: "response", connection: connection ?? socket, status, head: parsed, rest: received, connectMs, firstByteMs: Math.round((performance.now() - t0) * 10) / 10, viaSocks: !!socksSocket });
      }
    };
    const onSocksClose = () => fail(undefined);
    cancel.on((reason) => fail(reason));
    if (connection) {
      connection.onData = onData;
      connection.onClose = (error) => fail(error);
      if (connection.closed) return fail(undefined);
    } else {
      socket.on("data", onData);
      socket.once("close", onSocksClose);
    }
    if (fresh) {
      arm(timeouts.connectMs);
      socket.once(upstream.scheme === "https" ? "secureConnect" : "connect", () => {
        connectMs = Math.round((performance.now() - t0) * 10) / 10;
        phase = "headers";
        if (!settled) arm(timeouts.firstByteMs);
      });
      if (upstream.scheme === "https")
        socket.once("connect", () => {
          if (phase === "connect") phase = "proxy_tls";
        });
    } else arm(timeouts.firstByteMs);
    if (socket.isPaused()) socket.resume();
    socket.write(requestHead, "latin1");
  });
}

export type TunnelOutcome =
  | { kind: "open"; socket: Socket; head: Buffer; connectMs: number | null; firstByteMs: number }
  | { kind: "failed"; verdict: Verdict; error: unknown; connectMs: number | null; status?: number };

/** Opens a tunnel to host:port through a node (CONNECT for HTTP(S) nodes, SOCKS5 CONNECT otherwise). Never throws. */
export async function openTunnel(upstream: Upstream, host: string, port: number, timeouts: AttemptTimeouts, signal: AbortSignal): Promise<TunnelOutcome> {
  upstream.lastUsed = Date.now();
  let address: string;
  try {
    address = await upstream.resolve();
  } catch (error) {
    return { kind: "failed", verdict: unresolved(upstream), error, connectMs: null };
  }
  if (upstream.scheme === "socks5") return openSocksTunnel(upstream, address, host, port, timeouts, signal);
  const t0 = performance.now();
  return new Promise((resolve) => {
    let phase: AttemptPhase = "connect";
    let connectMs: number | null = null;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const options = {
      method: "CONNECT",
      host: address,
      port: upstream.port,
      path: authority,
      headers: { host: authority, ...(upstream.proxyAuthorization && { "proxy-authorization": upstream.proxyAuthorization }) },
      agent: false as const,
      ...(upstream.scheme === "https" && { ca: (upstream.agent as HttpsAgent).options.ca, servername: isIP(upstream.host) ? undefined : upstream.host }),
    };
    const request = upstream.scheme === "https" ? httpsRequest(options) : httpRequest(options);
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new AttemptTimeout(ms)), ms);
    };
    const finish = (outcome: TunnelOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      request.destroy();
      finish({ kind: "failed", verdict: verdictFromError(error, phase), error, connectMs });
    };
    const onAbort = () => fail(signal.reason ?? new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    request.on("error", fail);
    request.once("socket", (socket: Socket) => {
      arm(timeouts.connectMs);
      socket.once("connect", () => {
        connectMs = Math.round((performance.now() - t0) * 10) / 10;
        phase = upstream.scheme === "https" ? "proxy_tls" : "tunnel";
        arm(timeouts.firstByteMs);
      });
      if (upstream.scheme === "https") socket.once("secureConnect", () => (phase = "tunnel"));
    });
    request.once("connect", (response: IncomingMessage, socket: Socket, head: Buffer) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        if (settled) return void socket.destroy();
        return finish({ kind: "open", socket, head, connectMs, firstByteMs: Math.round((performance.now() - t0) * 10) / 10 });
      }
      socket.destroy();
      finish({ kind: "failed", verdict: classifyConnectAnswer(status, response.headers), error: null, connectMs, status });
    });
    // A node that answers CONNECT with an ordinary response (no upgrade) still refused the tunnel.
    request.once("response", (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      response.resume();
      request.destroy();
      finish({ kind: "failed", verdict: classifyConnectAnswer(status, response.headers), error: null, connectMs, status });
    });
    request.end();
  });
}

async function openSocksTunnel(upstream: Upstream, address: string, host: string, port: number, timeouts: AttemptTimeouts, signal: AbortSignal): Promise<TunnelOutcome> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  // The socks client has one timeout for connect + handshake; ours splits them like the HTTP path.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeout(timeouts.connectMs + timeouts.firstByteMs)), timeouts.connectMs + timeouts.firstByteMs);
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason ?? new Error("aborted")), { once: true });
  });
  const connecting = SocksClient.createConnection({
    proxy: { host: address, port: upstream.port, type: 5, userId: upstream.username || undefined, password: upstream.username ? upstream.password : undefined },
    destination: { host, port },
    command: "connect",
    timeout: timeouts.connectMs + timeouts.firstByteMs + 1_000,
  });
  try {
    const { socket } = await Promise.race([connecting, timeout]);
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    return { kind: "open", socket, head: Buffer.alloc(0), connectMs: ms, firstByteMs: ms };
  } catch (error) {
    // A late success after our timeout or abort must not leak its socket.
    connecting.then(({ socket }) => socket.destroy(), () => undefined);
    const message = (error as Error).message ?? "";
    const detail = `${(error as NodeJS.ErrnoException).code ?? ""} ${message}`;
    const failure =
      error instanceof AttemptTimeout
        ? verdict("upstream_timeout", `SOCKS5 node did not open the tunnel within ${error.ms} ms`, ["none", "phase"], ["proxy", "phase"])
        : (classifySocksError(message) ??
          (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|connect/i.test(detail)
            ? verdict("proxy_unreachable", `${message} while connecting to the SOCKS5 node`, ["none", "phase"], [/ECONNREFUSED/.test(detail) ? "proxy" : "network", "phase"])
            : verdict("reset", `SOCKS5 handshake failed: ${message}`, ["proxy", "phase"], ["proxy", "phase"])));
    return { kind: "failed", verdict: failure, error, connectMs: null };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

function unresolved(upstream: Upstream): Verdict {
  return verdict("proxy_unreachable", `node host ${upstream.host} did not resolve`, ["none", "phase"], ["network", "phase"]);
}

/** Upstreams by node URL, kept while used; idle ones (and their sockets) go after idleMs. */
export class UpstreamPool {
  private readonly byUrl = new Map<string, Upstream>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: UpstreamOptions & { idleMs?: number }) {
    this.sweeper = setInterval(() => this.sweep(), 10_000).unref();
  }

  get(node: GatewayNode): Upstream {
    let upstream = this.byUrl.get(node.proxyUrl);
    if (!upstream) {
      upstream = new Upstream(node.id, node.proxyUrl, this.options);
      this.byUrl.set(node.proxyUrl, upstream);
    }
    return upstream;
  }

  private sweep(): void {
    const now = Date.now();
    for (const upstream of this.byUrl.values()) for (const connection of upstream.idle.filter((c) => now - c.idleSince > RAW_IDLE_MS)) connection.destroy();
    const cutoff = now - (this.options.idleMs ?? 300_000);
    for (const [url, upstream] of this.byUrl)
      if (upstream.lastUsed < cutoff) {
        upstream.destroy();
        this.byUrl.delete(url);
      }
  }

  /** Idle keep-alive sockets held right now (leak checks). */
  idleSockets(): number {
    let n = 0;
    for (const upstream of this.byUrl.values()) {
      n += upstream.idle.length;
      for (const list of Object.values(upstream.agent?.freeSockets ?? {})) n += list?.length ?? 0;
    }
    return n;
  }

  /** Sockets in use by requests right now (leak checks). */
  busySockets(): number {
    let n = 0;
    for (const upstream of this.byUrl.values()) {
      n += upstream.busy;
      for (const list of Object.values(upstream.agent?.sockets ?? {})) n += list?.length ?? 0;
    }
    return n;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const upstream of this.byUrl.values()) upstream.destroy();
    this.byUrl.clear();
  }
}
