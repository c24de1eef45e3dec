import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { SocksClient } from "socks";
import { classifyConnectAnswer, classifyResponse, classifySocksError, exitIpFromBody, verdict, type Verdict } from "./classify-response";
import { bucketOf, type Evidence, type FaultBucket, type FaultClass, type FaultOrigin, type Responder } from "./fault-taxonomy";
import { resolveHost, type HostLookup } from "./host-lookup";
import { sharedTlsClientCache, type TlsClientCache } from "./tls-client-cache";

export interface ProbeNode {
  id: string;
  scheme: "http" | "https" | "socks5";
  host: string;
  port: number;
  username?: string;
  /** Clear text: the caller unseals it (lib/secrets); the engine never decrypts. */
  password?: string;
}

export interface ProbeTargetSpec {
  id?: string;
  url: string;
  expectedStatus?: number;
}

export interface ProbeTimeouts {
  /** TCP connect to the proxy (including name lookup). */
  connectMs: number;
  /** Each wait for the far side to speak: CONNECT/SOCKS answer, TLS handshake, response headers. */
  firstByteMs: number;
  /** Absolute deadline for the whole check, body included. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: ProbeTimeouts = { connectMs: 3_000, firstByteMs: 10_000, totalMs: 15_000 };

export interface ProbeCheckOptions {
  timeouts?: Partial<ProbeTimeouts>;
  /** Resolves proxy host names; default accepts IP literals only. Target names go to the proxy as-is. */
  lookup?: HostLookup;
  signal?: AbortSignal;
  /** Extra CA certificates (PEM) trusted for TLS to targets and HTTPS proxies. */
  ca?: string | string[];
  /** Only for lab/debug: accept any certificate. */
  insecureTls?: boolean;
  /** Reused TLS contexts and sessions; default the process-wide one. */
  tlsCache?: TlsClientCache;
  /** Force a full handshake on every check (no session resumption). */
  noTlsResumption?: boolean;
  /** Body bytes kept for captcha/IP-echo detection; the rest is counted and dropped. */
  sampleBytes?: number;
  userAgent?: string;
  /** Keep the answer's status, headers and body head on the attempt (Diagnose's response signature). */
  captureResponse?: boolean;
}

/** An answer as the check saw it (only with captureResponse): what marker and fingerprint tables read. */
export interface CapturedResponse {
  /** "connect": the proxy's answer to CONNECT; "forward": absolute-form through the proxy; "tunnel": through the tunnel. */
  mode: "connect" | "forward" | "tunnel";
  status: number;
  headers: IncomingHttpHeaders;
  bodySample: string;
}

/** One probe attempt as the engine reports and the batch writer stores it. */
export interface ProbeAttempt {
  nodeId: string;
  targetId: string | null;
  targetUrl: string;
  startedAt: Date;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  totalMs: number;
  status: number | null;
  bytes: number;
  exitIp: string | null;
  faultClass: FaultClass;
  bucket: FaultBucket;
  /** Who produced the bytes or the silence we saw. */
  responder: Responder;
  responderEvidence: Evidence;
  /** Who is to blame (what breakdowns and health read). */
  faultOrigin: FaultOrigin;
  originEvidence: Evidence;
  reason: string;
  /** Low-level error (code/message) when the check failed on an exception. */
  errorDetail: string | null;
  /** Where the check ended: phase-aware attribution, Diagnose's timeline, and the scheduler's "the node did not answer" (connect, proxy TLS, tunnel). Not stored; absent on caller-reported results. */
  phase?: ProbePhase;
  /** Ms from start until the proxy opened the tunnel (CONNECT 2xx / SOCKS success); null in forward mode or before. Not stored. */
  tunnelMs?: number | null;
  /** Only with captureResponse. Not stored. */
  response?: CapturedResponse;
}

export type ProbePhase = "resolve" | "connect" | "proxy_tls" | "tunnel" | "tls" | "headers" | "body";
type Phase = ProbePhase;

const PHASE_TEXT: Record<Phase, string> = {
  resolve: "resolving the proxy host",
  connect: "connecting to the proxy",
  proxy_tls: "TLS handshake with the proxy",
  tunnel: "waiting for the proxy to open the tunnel",
  tls: "TLS handshake with the target",
  headers: "waiting for response headers",
  body: "reading the body",
};

class CheckAborted extends Error {}

interface ParsedTarget {
  httpsTarget: boolean;
  targetHost: string;
  targetPort: number;
  authority: { connect: string; hostHeader: string };
  /** Request target in absolute-form (to a forward proxy) and origin-form (inside a tunnel). */
  absolute: string;
  originForm: string;
}

/** Parsed target URLs: a pool probes the same few targets through every node, so each is parsed once. */
const parsedTargets = new Map<string, ParsedTarget>();

function parsedTarget(href: string): ParsedTarget {
  let parsed = parsedTargets.get(href);
  if (parsed) return parsed;
  const url = new URL(href);
  const httpsTarget = url.protocol === "https:";
  if (!httpsTarget && url.protocol !== "http:") throw new Error(`unsupported target scheme ${url.protocol}`);
  const targetHost = url.hostname.replace(/^\[|\]$/g, "");
  const targetPort = Number(url.port || (httpsTarget ? 443 : 80));
  parsed = {
    httpsTarget,
    targetHost,
    targetPort,
    authority: { connect: `${isIP(targetHost) === 6 ? `[${targetHost}]` : targetHost}:${targetPort}`, hostHeader: url.host },
    absolute: url.href,
    originForm: url.pathname + url.search,
  };
  if (parsedTargets.size >= 1_000) parsedTargets.clear();
  parsedTargets.set(href, parsed);
  return parsed;
}

function ignoreError(): void {}

/** ALPN offer, built once: we speak HTTP/1.1 only. */
const ALPN_HTTP1 = Buffer.from([8, ...Buffer.from("http/1.1")]);

/**
 * One check: a request through one node to one target, raced against its own deadline, every
 * socket released on every path. Resolves with the classified attempt; rejects only when the
 * caller's signal aborts (a cancelled check is not a result).
 */
export function runProbeCheck(node: ProbeNode, target: ProbeTargetSpec, options: ProbeCheckOptions = {}): Promise<ProbeAttempt> {
  return new Promise((resolve, reject) => new ProbeCheck(node, target, options, resolve, reject).start());
}

class ProbeCheck {
  private readonly timeouts: ProbeTimeouts;
  private readonly t0 = performance.now();
  private readonly startedAt = new Date();
  private readonly streams: Duplex[] = [];
  private request: ClientRequest | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private stageTimer: NodeJS.Timeout | undefined;
  private phase: Phase = "resolve";
  /** Absolute-form through an HTTP proxy (the proxy speaks the status line) or a tunnel. */
  private mode: "forward" | "tunnel" = "tunnel";
  private done = false;
  /** The whole answer was read: the sockets may close gracefully. */
  private answered = false;
  private connectMs: number | null = null;
  private tlsMs: number | null = null;
  private firstByteMs: number | null = null;
  private status: number | null = null;
  private bytes = 0;
  private exitIp: string | null = null;
  private tunnelMs: number | null = null;
  private response: CapturedResponse | undefined;

  constructor(
    private readonly node: ProbeNode,
    private readonly target: ProbeTargetSpec,
    private readonly options: ProbeCheckOptions,
    private readonly resolve: (attempt: ProbeAttempt) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  start(): void {
    const signal = this.options.signal;
    if (signal?.aborted) return this.abort();
    // The check is its own abort listener (handleEvent): no closure per check.
    signal?.addEventListener("abort", this, { once: true });
    this.totalTimer = setTimeout(() => this.timedOut(`total deadline ${this.timeouts.totalMs} ms`), this.timeouts.totalMs);
    this.run().catch((error: unknown) => this.failFromError(error));
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  private stage(phase: Phase, ms: number | undefined): void {
    this.phase = phase;
    clearTimeout(this.stageTimer);
    this.stageTimer = ms === undefined ? undefined : setTimeout(() => this.timedOut(`${ms} ms`), ms);
  }

  private track<T extends Duplex>(stream: T): T {
    this.streams.push(stream);
    // Errors are read through the request/handshake listeners; this one only stops a late error
    // (after the check moved on or finished) from becoming an uncaught exception.
    stream.on("error", ignoreError);
    return stream;
  }

  private async run(): Promise<void> {
    const { node, target, options } = this;
    const { httpsTarget, targetHost, targetPort, authority, absolute, originForm } = parsedTarget(target.url);

    this.stage("resolve", this.timeouts.connectMs);
    let proxyIp = isIP(node.host) ? node.host : undefined; // the common case skips a promise round
    if (!proxyIp) {
      try {
        proxyIp = await resolveHost(node.host, options.lookup);
      } catch (error) {
        return this.finish(verdict("proxy_unreachable", `proxy host ${node.host} did not resolve`, ["none", "phase"], ["network", "phase"]), error);
      }
      if (this.done) return;
    }

    this.phase = "connect"; // same connectMs budget as the lookup: one timer for both
    const raw = this.track(netConnect({ host: proxyIp, port: node.port, noDelay: true }));
    await once(raw, "connect");
    this.connectMs = this.elapsed();
    let socket: Duplex = raw;

    if (node.scheme === "https") {
      this.stage("proxy_tls", this.timeouts.firstByteMs);
      const tlsStart = performance.now();
      socket = await this.tlsOver(raw, node.host, node.port);
      this.tlsMs = Math.round((performance.now() - tlsStart) * 10) / 10;
    }

    const auth = node.username ? `Basic ${Buffer.from(`${node.username}:${node.password ?? ""}`).toString("base64")}` : undefined;
    if (node.scheme === "socks5") {
      this.stage("tunnel", this.timeouts.firstByteMs);
      try {
        const established = await SocksClient.createConnection({
          existing_socket: socket,
          proxy: { host: proxyIp, port: node.port, type: 5, userId: node.username || undefined, password: node.username ? (node.password ?? "") : undefined },
          destination: { host: targetHost, port: targetPort },
          command: "connect",
          timeout: this.timeouts.totalMs, // our own stage timer fires first
        });
        socket = established.socket;
        this.tunnelMs = this.elapsed();
      } catch (error) {
        const verdict = classifySocksError((error as Error).message);
        if (verdict) return this.finish(verdict, error);
        throw error;
      }
    } else if (httpsTarget) {
      this.stage("tunnel", this.timeouts.firstByteMs);
      const connectRequest = httpRequest({
        method: "CONNECT",
        path: authority.connect,
        headers: { host: authority.connect, ...(auth && { "proxy-authorization": auth }) },
        createConnection: () => socket as Socket,
      });
      this.request = connectRequest;
      connectRequest.end();
      const [answer, tunnel, head] = await new Promise<[IncomingMessage, Socket, Buffer]>((resolve, reject) => {
        connectRequest.once("connect", (response: IncomingMessage, tunnelSocket: Socket, rest: Buffer) => resolve([response, tunnelSocket, rest]));
        connectRequest.once("error", reject);
      });
      this.request = undefined;
      // RFC 9110 §9.3.6: any 2xx opens the tunnel.
      if (!answer.statusCode || answer.statusCode < 200 || answer.statusCode > 299) {
        this.status = answer.statusCode ?? null;
        // The part of the error page that came with the headers: enough for a fingerprint.
        const bodyHead = head.subarray(0, 4096).toString("latin1");
        if (options.captureResponse) this.response = { mode: "connect", status: answer.statusCode ?? 0, headers: answer.headers, bodySample: bodyHead };
        return this.finish(classifyConnectAnswer(answer.statusCode ?? 0, answer.headers, bodyHead));
      }
      socket = tunnel;
      this.tunnelMs = this.elapsed();
    } else {
      this.mode = "forward";
    }

    if (httpsTarget) {
      this.stage("tls", this.timeouts.firstByteMs);
      const tlsStart = performance.now();
      socket = await this.tlsOver(socket, targetHost, targetPort);
      this.tlsMs = Math.round(((this.tlsMs ?? 0) + performance.now() - tlsStart) * 10) / 10;
    }

    this.stage("headers", this.timeouts.firstByteMs);
    const over = socket;
    const mode = this.mode;
    // Headers as a flat list: stored as given, without setHeader's per-header bookkeeping.
    const headers = [
      "host",
      authority.hostHeader,
      "user-agent",
      options.userAgent ?? "switchyard-probe/1",
      "accept",
      "*/*",
      "connection",
      "close",
    ];
    if (mode === "forward" && auth) headers.push("proxy-authorization", auth);
    const request = httpRequest({
      method: "GET",
      // Absolute-form is what a forward proxy expects; origin-form inside a tunnel.
      path: mode === "forward" ? absolute : originForm,
      headers,
      createConnection: () => over as Socket,
    });
    this.request = request;
    request.end();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request.once("response", resolve);
      request.once("error", reject);
    });
    this.firstByteMs = this.elapsed();
    this.status = response.statusCode ?? null;
    if (options.captureResponse) this.response = { mode, status: response.statusCode ?? 0, headers: response.headers, bodySample: "" };
    this.stage("body", undefined);

    const sampleLimit = options.sampleBytes ?? 65_536;
    const chunks: Buffer[] = [];
    let sampled = 0;
    await new Promise<void>((resolve, reject) => {
      response.on("data", (chunk: Buffer) => {
        this.bytes += chunk.length;
        if (sampled < sampleLimit) {
          chunks.push(chunk);
          sampled += chunk.length;
        }
      });
      response.once("end", resolve);
      response.once("aborted", () => reject(Object.assign(new Error("response aborted mid-body"), { code: "ECONNRESET" })));
      response.once("error", reject);
    });
    if (this.done) return;
    const body = Buffer.concat(chunks).subarray(0, sampleLimit).toString("utf8");
    this.exitIp = exitIpFromBody(response.headers["content-type"], body);
    if (this.response) this.response.bodySample = body.slice(0, 4096);
    this.answered = true;
    this.finish(classifyResponse({ mode: this.mode, status: response.statusCode ?? 0, headers: response.headers, bodySample: body, expectedStatus: target.expectedStatus }));
  }

  private async tlsOver(socket: Duplex, servername: string, port: number): Promise<TLSSocket> {
    const { ca, insecureTls = false } = this.options;
    const cache = this.options.tlsCache ?? sharedTlsClientCache;
    const trust = cache.trustFor(ca, insecureTls);
    const sessionKey = this.options.noTlsResumption ? undefined : cache.sessionKey(trust, `${servername}:${port}`);
    const cached = sessionKey ? cache.session(sessionKey) : undefined;
    const tls = this.track(
      tlsConnect({
        socket,
        servername: isIP(servername) ? undefined : servername,
        secureContext: trust.context,
        rejectUnauthorized: !insecureTls,
        ALPNProtocols: ALPN_HTTP1,
        session: cached,
      }),
    );
    // Only on a miss: listening makes node serialise every ticket the server sends, on every check.
    if (sessionKey && !cached) tls.once("session", (session: Buffer) => cache.remember(sessionKey, session));
    try {
      await once(tls, "secureConnect");
      // The peer refused our session (restarted, rotated ticket keys): take the fresh one it sends.
      if (sessionKey && cached && !tls.isSessionReused()) tls.once("session", (session: Buffer) => cache.remember(sessionKey, session));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      // A peer that hangs up during the handshake is a reset, not a certificate problem.
      if (code === "ECONNRESET" || code === "EPIPE" || /socket disconnected|socket hang up/i.test((error as Error).message)) throw error;
      const reason = `TLS handshake with the ${this.phase === "proxy_tls" ? "proxy" : "target"} failed: ${code || (error as Error).message}`;
      // With the proxy: its certificate. With the target: the target's, or a proxy intercepting
      // the tunnel; another path tells which.
      const tlsVerdict =
        this.phase === "proxy_tls" ? verdict("tls_error", reason, ["proxy", "phase"], ["proxy", "phase"]) : verdict("tls_error", reason, ["target", "phase"], ["unknown", "none"]);
      throw new VerdictError(tlsVerdict, error);
    }
    return tls;
  }

  private timedOut(limit: string): void {
    if (this.done) return;
    this.finish(this.silenceVerdict(`no answer within ${limit} while ${PHASE_TEXT[this.phase]}`, limit));
  }

  /**
   * Phase-aware attribution of silence: before the TCP connect it is the way to the proxy
   * (network); before the tunnel opens it is the proxy's own silence; waiting for a relayed
   * answer or inside the tunnel it could be the target's, so it is undecided until another path
   * is asked.
   */
  private silenceVerdict(reason: string, limit: string): Verdict {
    if (this.phase === "resolve" || this.phase === "connect")
      return verdict("proxy_unreachable", `connect timeout (${limit}) while ${PHASE_TEXT[this.phase]}`, ["none", "phase"], ["network", "phase"]);
    if (this.phase === "proxy_tls" || this.phase === "tunnel") return verdict("upstream_timeout", reason, ["none", "phase"], ["proxy", "phase"]);
    return verdict("upstream_timeout", reason, ["none", "phase"], ["unknown", "none"]);
  }

  private failFromError(error: unknown): void {
    if (this.done) return;
    if (error instanceof VerdictError) return this.finish(error.verdict, error.cause);
    if (error instanceof CheckAborted) return;
    this.finish(this.errorVerdict(error as NodeJS.ErrnoException), error);
  }

  /**
   * Phase-aware attribution of a broken exchange. While we talk to the proxy (its status line in
   * absolute-form, its CONNECT answer, its SOCKS reply) garbage or a hang-up is the proxy's.
   * After the tunnel is up, or once the proxy relayed headers, it needs evidence: garbage in a
   * tunnel is the target's bytes, a reset there is undecided.
   */
  private errorVerdict(e: NodeJS.ErrnoException): Verdict {
    const code = e.code ?? "";
    const during = PHASE_TEXT[this.phase];
    if (this.phase === "resolve" || this.phase === "connect") {
      // Refused: the proxy's host is up and nothing listens on the node's port.
      const origin: FaultOrigin = code === "ECONNREFUSED" ? "proxy" : "network";
      return verdict("proxy_unreachable", `${code || e.message} while ${during}`, ["none", "phase"], [origin, "phase"]);
    }
    const talkingToProxy = this.phase === "proxy_tls" || this.phase === "tunnel" || (this.phase === "headers" && this.mode === "forward");
    if (code.startsWith("HPE_")) {
      const reason = `unparseable HTTP (${code}) while ${during}`;
      if (talkingToProxy) return verdict("invalid_response", reason, ["proxy", "phase"], ["proxy", "phase"]);
      return verdict("invalid_response", reason, ["target", "phase"], ["target", "phase"]);
    }
    if (this.phase === "tunnel" && /Socks5|Socks/i.test(e.message) && !/closed/i.test(e.message))
      return verdict("invalid_response", `SOCKS handshake failed: ${e.message}`, ["proxy", "phase"], ["proxy", "phase"]);
    const reason = `connection closed (${code || e.message}) while ${during}`;
    if (talkingToProxy) return verdict("reset", reason, ["proxy", "phase"], ["proxy", "phase"]);
    return verdict("reset", reason, ["none", "phase"], ["unknown", "none"]);
  }

  /** The abort listener on the caller's signal. */
  handleEvent(): void {
    this.abort();
  }

  private abort(): void {
    if (this.done) return;
    this.release();
    this.reject(this.options.signal?.reason ?? new CheckAborted("check aborted"));
  }

  private release(): void {
    this.done = true;
    clearTimeout(this.totalTimer);
    clearTimeout(this.stageTimer);
    this.options.signal?.removeEventListener("abort", this);
    if (this.answered && this.streams.length === 1) {
      // A complete answer on a plain socket: node's client has already ended our side
      // (Connection: close); let it close once our FIN is out, as a bare node:http client does.
      // Destroying it at once made close() about 4x as costly (bench:probe CPU profile).
      (this.streams[0] as Socket).destroySoon();
      return;
    }
    this.request?.destroy();
    for (const stream of this.streams) stream.destroy();
  }

  private finish(outcome: Verdict, error?: unknown): void {
    if (this.done) return;
    this.release();
    const e = error as NodeJS.ErrnoException | undefined;
    this.resolve({
      nodeId: this.node.id,
      targetId: this.target.id ?? null,
      targetUrl: this.target.url,
      startedAt: this.startedAt,
      connectMs: this.connectMs,
      tlsMs: this.tlsMs,
      firstByteMs: this.firstByteMs,
      totalMs: this.elapsed(),
      status: this.status,
      bytes: this.bytes,
      exitIp: this.exitIp,
      faultClass: outcome.faultClass,
      bucket: bucketOf(outcome.faultClass),
      responder: outcome.responder,
      responderEvidence: outcome.responderEvidence,
      faultOrigin: outcome.faultOrigin,
      originEvidence: outcome.originEvidence,
      reason: outcome.reason,
      errorDetail: e ? [e.code, e.message].filter(Boolean).join(": ").slice(0, 500) : null,
      phase: this.phase,
      tunnelMs: this.tunnelMs,
      ...(this.response && { response: this.response }),
    });
  }
}

class VerdictError extends Error {
  constructor(readonly verdict: Verdict, cause: unknown) {
    super(verdict.reason, { cause });
  }
}

/** Resolves on the event, rejects on error or on close before it. */
function once(stream: Duplex, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // One named closure, the listeners anonymous: tsx compiles with keepNames, which wraps every
    // named closure in a defineProperty call, on every check.
    const listeners: [string, (error?: Error) => void][] = [];
    const settle = (error?: Error) => {
      for (const [name, listener] of listeners) stream.off(name, listener);
      if (error) reject(error);
      else resolve();
    };
    listeners.push(
      [event, () => settle()],
      ["error", (error?: Error) => settle(error ?? new Error(`socket error before ${event}`))],
      ["close", () => settle(Object.assign(new Error(`socket closed before ${event}`), { code: "ECONNRESET" }))],
    );
    for (const [name, listener] of listeners) stream.once(name, listener);
  });
}
