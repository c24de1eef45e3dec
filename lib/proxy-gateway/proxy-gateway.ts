import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, isIP, type Server as NetServer, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { ApiError } from "@/lib/http/api-errors";
import type { VerifiedApiKey } from "@/lib/auth/api-keys";
import type { Gateway } from "@/lib/gateway/gateway";
import type { GatewayNode, GatewayPool } from "@/lib/gateway/gateway-index";
import { selectNodes } from "@/lib/gateway/select";
import { classifyResponse, verdict, type Verdict } from "@/lib/probe/classify-response";
import { applyControl, needsSecondPath } from "@/lib/probe/control-check";
import { bucketOf, isNodeFault } from "@/lib/probe/fault-taxonomy";
import type { HostLookup } from "@/lib/probe/host-lookup";
import { countsAgainstNode } from "@/lib/health/health-rule";
import type { ProbeAttempt } from "@/lib/probe/probe-check";
import { AttemptRecorder } from "./attempt-recorder";
import { failureAnswer, finalOrigin, socksReplyFor, type GatewayFailure } from "./failure-answer";
import { parseProxyUser, ProxyUserError, type ProxyUser } from "./proxy-user";
import type { ProxyGatewaySettings } from "@/lib/pools/schema";
import { ProxyGatewaySettingsCache } from "./settings";
import { acceptSocks5, reply, SOCKS_REPLY } from "./socks5-listener";

const MISS_REBUILD_MS = 250;
import { AttemptCancel, exchangeRaw, forwardThrough, openTunnel, RawConnection, UpstreamPool, type RawOutcome } from "./upstream";
import { ChunkedEnd, connectionTokens, forwardedLines, HEAD_END, HOP_BY_HOP, headerObject, MAX_HEAD_BYTES, parseHead, rawAnswer, responseFraming, STATUS_TEXT, type BodyFraming, type HeaderLine, type ParsedHead } from "./http1";

export interface ProxyGatewayOptions {
  /** The checkout gateway of this process: its index, selection and key cache are reused. */
  gateway: Gateway;
  host: string;
  /** HTTP proxy port (absolute-form + CONNECT); 0 = a free port. */
  port: number;
  /** SOCKS5 port; undefined = no SOCKS5 listener, 0 = a free port. */
  socksPort?: number;
  /** Resolves node host names (the product passes the system resolver; tests IP literals). */
  lookup?: HostLookup;
  /** Extra CA certificates (PEM) for HTTPS nodes. */
  ca?: string;
  /** false: every plain-HTTP request through node:http too (bench:gateway's comparison); default true. */
  plainFastPath?: boolean;
  log?: (line: string) => void;
}

/** Largest request body the gateway buffers (buffered so it can be sent again on another node). */
export const MAX_REQUEST_BODY = 1024 * 1024;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
/** A kept-alive client connection with no request in flight is closed after this long. */
const CLIENT_KEEP_ALIVE_MS = 65_000;
const NO_HEADERS = {};
/** How long a connection may reuse its verified Proxy-Authorization (see authorizeConnection). */
const AUTH_MEMO_MS = 1_000;
const COOLDOWN_BASE_MS = 2_000;
const COOLDOWN_MAX_MS = 60_000;

interface Caller {
  key: VerifiedApiKey;
  pool: GatewayPool;
  user: ProxyUser;
  settings: ProxyGatewaySettings;
}

/** Why a caller was turned away before any attempt: status 407 (credentials) or 403 (pool). */
class Refusal extends Error {
  constructor(readonly status: 400 | 403 | 407, message: string) {
    super(message);
  }
}

/**
 * The rotating forward-proxy gateway: one endpoint (HTTP absolute-form, CONNECT, SOCKS5) that
 * picks a healthy node per request with the pool's strategy or the sticky session (the checkout
 * API's selection and rendezvous hashing, so both agree), retries node and network failures on
 * other nodes within the pool's attempt and time budget, passes the target's own answers through,
 * and records every attempt like a probe result. Design notes: lib/proxy-gateway/README.md.
 */
export class ProxyGateway {
  /** node:http: requests the fast path leaves to it (bodies, CONNECT, anything unusual) arrive by hand-off. */
  private readonly server: Server;
  /** The HTTP port: plain body-less requests take the fast path (raw sockets), the rest goes to `server`. */
  private readonly plainServer: NetServer;
  private readonly plainClients = new Set<PlainClient>();
  /** Authority of absolute-form targets → normalised host, hostname, port (bounded). */
  private readonly authorities = new Map<string, TargetAuthority | null>();
  private readonly socksServer: NetServer | undefined;
  private readonly upstreams: UpstreamPool;
  readonly recorder: AttemptRecorder;
  private readonly settings: ProxyGatewaySettingsCache;
  private readonly cooldown = new Map<string, { until: number; failures: number }>();
  private readonly log: (line: string) => void;
  private readonly clientSockets = new Set<Socket>();
  private lastMissRebuild = 0;
  private missRebuild?: Promise<void>;

  constructor(private readonly options: ProxyGatewayOptions) {
    this.log = options.log ?? (() => {});
    const db = options.gateway.index.pgPool;
    this.upstreams = new UpstreamPool({ lookup: options.lookup, ca: options.ca });
    this.recorder = new AttemptRecorder(db, this.log);
    this.settings = new ProxyGatewaySettingsCache(db, () => options.gateway.index.version, this.log);
    this.server = createHttpServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000, requestTimeout: 0 }, (req, res) => void this.onRequest(req, res));
    this.server.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => void this.onConnect(req, socket, head));
    this.server.on("connection", (socket: Socket) => this.track(socket));
    this.server.on("clientError", (_error, socket: Socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      else socket.destroy();
    });
    this.plainServer = createNetServer({ noDelay: true }, (socket) => this.onPlainConnection(socket));
    if (options.socksPort !== undefined)
      this.socksServer = createNetServer({ noDelay: true }, (socket) => {
        this.track(socket);
        this.onSocks(socket);
      });
  }

  private track(socket: Socket): void {
    this.clientSockets.add(socket);
    socket.once("close", () => this.clientSockets.delete(socket));
    socket.on("error", () => {}); // a client that resets is not an error of ours
  }

  async start(): Promise<{ port: number; socksPort: number | undefined }> {
    await this.settings.load();
    const listen = (server: NetServer, port: number) =>
      new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, this.options.host, () => {
          server.off("error", reject);
          const address = server.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    const port = await listen(this.plainServer, this.options.port);
    const socksPort = this.socksServer ? await listen(this.socksServer, this.options.socksPort!) : undefined;
    return { port, socksPort };
  }

  /** Stops listening, cuts client connections after a grace period, flushes the recorder. */
  async close(graceMs = 2_000): Promise<void> {
    const closed = Promise.all([this.plainServer, this.socksServer].filter(Boolean).map((server) => new Promise<void>((resolve) => server!.close(() => resolve()))));
    this.server.closeIdleConnections();
    for (const client of this.plainClients) if (!client.busy) client.socket.destroy();
    const cut = setTimeout(() => {
      for (const socket of this.clientSockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(cut);
    this.upstreams.close();
    await this.recorder.close();
  }

  /** Open client connections and upstream sockets in use or idle (leak checks). */
  openSockets(): { clients: number; upstreamBusy: number; upstreamIdle: number } {
    return { clients: this.clientSockets.size, upstreamBusy: this.upstreams.busySockets(), upstreamIdle: this.upstreams.idleSockets() };
  }

  // ---- who is calling ------------------------------------------------------------------------

  private async authorize(user: string, password: string): Promise<Caller> {
    if (!password) throw new Refusal(407, "Send your Switchyard API key as the proxy password (user name: pool-<pool>[-session-<key>][-tag-<tag>]).");
    const key = await this.options.gateway.keys.verify(`Bearer ${password}`);
    if (!key) throw new Refusal(407, "The API key in the proxy password is invalid, revoked or expired.");
    let parsed: ProxyUser;
    try {
      parsed = parseProxyUser(user);
    } catch (error) {
      if (error instanceof ProxyUserError) throw new Refusal(407, error.message);
      throw error;
    }
    return this.callerFor(key, parsed);
  }

  /**
   * authorize() for a kept-alive plain-HTTP connection: a client sends the same Proxy-Authorization
   * on every request, so the connection remembers its verified key and parsed user name for up to
   * AUTH_MEMO_MS (no hashing or parsing per request). Void as soon as the key cache is cleared (an
   * API key changed: the ApiKey trigger's notification), so revocation stays as prompt as before.
   */
  private async authorizeConnection(client: PlainClient, header: string): Promise<Caller> {
    const { keys } = this.options.gateway;
    const memo = client.auth;
    if (memo && memo.header === header && memo.generation === keys.generation && memo.until > Date.now()) return this.callerFor(memo.key, memo.user);
    const generation = keys.generation;
    const caller = await this.authorize(...basicCredentials(header));
    client.auth = { header, key: caller.key, user: caller.user, generation, until: Date.now() + AUTH_MEMO_MS };
    return caller;
  }

  /** The pool a verified key and user name reach, with its gateway settings. */
  private async callerFor(key: VerifiedApiKey, parsed: ProxyUser): Promise<Caller> {
    const { gateway } = this.options;
    const ref = parsed.pool ?? key.poolId;
    if (!ref) throw new Refusal(407, "Name the pool in the proxy user name: pool-<name or id> (this API key is not restricted to one pool).");
    let pool = gateway.index.pool(ref);
    if (!pool) {
      await this.rebuildAfterMiss();
      pool = gateway.index.pool(ref);
    }
    if (!pool) throw new Refusal(407, `There is no pool "${ref}" (the proxy user name names the pool: pool-<name or id>).`);
    if (key.poolId && key.poolId !== pool.id) throw new Refusal(403, `This API key is restricted to another pool than "${pool.name}".`);
    return { key, pool, user: parsed, settings: this.settings.get(pool.id) };
  }

  /**
   * A pool the index does not know may have been created a moment ago (its notification still on
   * the way): rebuild before refusing. Misses share one rebuild, at most one per MISS_REBUILD_MS,
   * so a caller naming unknown pools in a loop waits instead of loading the database.
   */
  private rebuildAfterMiss(): Promise<void> {
    this.missRebuild ??= (async () => {
      const wait = this.lastMissRebuild + MISS_REBUILD_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastMissRebuild = Date.now();
      await this.options.gateway.index.rebuild();
    })().finally(() => {
      this.missRebuild = undefined;
    });
    return this.missRebuild;
  }

  // ---- choosing nodes ------------------------------------------------------------------------

  /**
   * The next node for a request: the pool's strategy (or the sticky session's rendezvous order)
   * over the healthy nodes not tried yet, skipping nodes cooling down after a failure here unless
   * nothing else is left. Sticky: the first pick is exactly what checkout?session= returns.
   */
  private pick(caller: Caller, tried: ReadonlySet<string>): GatewayNode | undefined {
    const { index } = this.options.gateway;
    const now = Date.now();
    const base = { count: 1, tag: caller.user.tag, session: caller.user.session, version: index.version, nextSequence: () => ++index.sequence };
    const exclude: Set<string> | undefined = tried.size ? new Set(tried) : undefined;
    if (this.cooldown.size) {
      const cooling = new Set(tried);
      for (const [id, state] of this.cooldown) {
        if (state.until > now) cooling.add(id);
        else if (state.until < now - COOLDOWN_MAX_MS) this.cooldown.delete(id); // long recovered: forget its failures
      }
      if (cooling.size > tried.size) {
        const node = this.trySelect(caller.pool, { ...base, exclude: cooling });
        if (node) return node;
      }
    }
    return this.trySelect(caller.pool, { ...base, exclude });
  }

  private trySelect(pool: GatewayPool, options: Parameters<typeof selectNodes>[1]): GatewayNode | undefined {
    try {
      return selectNodes(pool, options)[0];
    } catch (error) {
      if (error instanceof ApiError && error.code === "no_healthy_node") return undefined;
      throw error;
    }
  }

  /** Whether this instance is keeping the node back after node-caused failures here (status, tests). */
  isCoolingDown(nodeId: string): boolean {
    return (this.cooldown.get(nodeId)?.until ?? 0) > Date.now();
  }

  private nodeFailed(nodeId: string): void {
    const state = this.cooldown.get(nodeId);
    const failures = (state?.failures ?? 0) + 1;
    if (this.cooldown.size > 100_000) this.cooldown.clear();
    this.cooldown.set(nodeId, { failures, until: Date.now() + Math.min(COOLDOWN_MAX_MS, COOLDOWN_BASE_MS * 2 ** (failures - 1)) });
  }

  private nodeSucceeded(nodeId: string): void {
    if (this.cooldown.size) this.cooldown.delete(nodeId);
  }

  // ---- recording -----------------------------------------------------------------------------

  /** One attempt as a result row (not stored yet: settle() does that once the request is decided). */
  private attemptOf(node: GatewayNode, targetOrigin: string, startedAt: Date, t0: number, verdict: Verdict, facts: { connectMs: number | null; firstByteMs: number | null; status: number | null; bytes: number; error?: unknown }): ProbeAttempt {
    const e = facts.error as NodeJS.ErrnoException | undefined | null;
    return {
      nodeId: node.id,
      targetId: null,
      targetUrl: targetOrigin,
      startedAt,
      connectMs: facts.connectMs,
      tlsMs: null,
      firstByteMs: facts.firstByteMs,
      totalMs: Math.round((performance.now() - t0) * 10) / 10,
      status: facts.status,
      bytes: facts.bytes,
      exitIp: null,
      faultClass: verdict.faultClass,
      bucket: bucketOf(verdict.faultClass),
      responder: verdict.responder,
      responderEvidence: verdict.responderEvidence,
      faultOrigin: verdict.faultOrigin,
      originEvidence: verdict.originEvidence,
      reason: `gateway: ${verdict.reason}`,
      errorDetail: e ? [e.code, e.message].filter(Boolean).join(": ").slice(0, 500) : null,
    };
  }

  /**
   * Stores a request's attempts. The last attempt went through another node to the same target,
   * so it is a free control request for the earlier ones whose blame one path cannot settle
   * (lib/probe/control-check.ts): it got an answer → those nodes' paths did it; it failed the same
   * way → the target side. Returns the last attempt as stored. Cooling a node down follows the
   * health rule on the settled blame, not the retry decision: a target's failure may be worth
   * another node, but it says nothing against this one.
   */
  private settle(attempts: ProbeAttempt[]): ProbeAttempt | undefined {
    const last = attempts[attempts.length - 1];
    for (let attempt of attempts) {
      if (attempt !== last && attempt.nodeId !== last.nodeId && needsSecondPath(attempt)) attempt = applyControl(attempt, last);
      if (countsAgainstNode(attempt)) this.nodeFailed(attempt.nodeId);
      else if (attempt.faultClass === "ok") this.nodeSucceeded(attempt.nodeId);
      this.recorder.attempt(attempt, attempt.targetUrl);
    }
    return last;
  }

  // ---- attempts ------------------------------------------------------------------------------

  /**
   * One client request's attempts, shared by plain HTTP (both paths) and tunnels: within the pool's
   * deadline and attempt budget, each on a node this request has not tried. `tryNode` makes one
   * attempt and either ends the request (answered, relayed, tunnel open, client gone) or reports a
   * failed attempt, kept for settle(), and whether another node may be tried. A request that ends
   * without an answer is settled and counted here, and its failure returned.
   */
  private async attemptNodes<T>(
    caller: Caller,
    awaited: "answer" | "tunnel",
    tryNode: (node: GatewayNode, budget: AttemptBudget, earlier: ProbeAttempt[]) => Promise<AttemptStep<T>>,
  ): Promise<{ ended: T } | { failure: GatewayFailure; attempts: number }> {
    const { settings } = caller;
    const deadlineAt = performance.now() + settings.deadlineMs;
    const tried = new Set<string>();
    const attempts: ProbeAttempt[] = [];
    let last: GatewayFailure | undefined;
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      const remaining = deadlineAt - performance.now();
      if (remaining <= 0) {
        last = { finalClass: "deadline", reason: `no ${awaited} within the pool's ${settings.deadlineMs} ms deadline`, nodeId: last?.nodeId };
        break;
      }
      const node = this.pick(caller, tried);
      if (!node) break;
      tried.add(node.id);
      const timeouts = { connectMs: Math.min(settings.connectTimeoutMs, remaining), firstByteMs: Math.min(settings.firstByteTimeoutMs, remaining) };
      const step = await tryNode(node, { attempt, deadlineAt, timeouts }, attempts);
      if (step.kind === "ended") return { ended: step.value };
      attempts.push(step.attempt);
      last = step.failure;
      if (!step.retry) break;
    }
    last ??= noHealthyNode(caller.pool);
    const stored = attempts.length ? this.settle(attempts) : undefined;
    this.recorder.final({ poolId: caller.pool.id, finalClass: last.finalClass, origin: finalOrigin(last.finalClass, stored), attempts: tried.size });
    return { failure: last, attempts: tried.size };
  }

  /** The client went away mid-attempt: what the node did so far is not its fault, only earlier attempts are kept. */
  private clientGone(caller: Caller, earlier: ProbeAttempt[], attempt: number): void {
    if (earlier.length) this.settle(earlier);
    this.recorder.final({ poolId: caller.pool.id, finalClass: "client_closed", origin: "client", attempts: attempt });
  }

  // ---- plain HTTP fast path (raw sockets) ----------------------------------------------------
  // Body-less absolute-form requests (nearly all scraper traffic) are parsed, forwarded and relayed
  // on raw sockets: no node:http request/response objects on either side, one write each way, the
  // body's bytes relayed as they come (framing followed, not decoded). Everything else — CONNECT,
  // request bodies, Expect/Upgrade, HTTP/1.0, malformed or huge heads, refusals — is handed to the
  // node:http server with the bytes read so far, and stays there for that connection.

  private onPlainConnection(socket: Socket): void {
    this.track(socket);
    const client: PlainClient = { socket, buffered: undefined, busy: false, cancel: undefined, onDrain: undefined, onData: () => {} };
    this.plainClients.add(client);
    client.onData = (chunk: Buffer) => {
      client.buffered = client.buffered ? Buffer.concat([client.buffered, chunk]) : chunk;
      if (!client.busy) this.nextPlainRequest(client);
      // Pipelined bytes wait while a request is in flight; past one head's worth, stop reading (plainRequestDone resumes).
      else if (client.buffered.length > MAX_HEAD_BYTES) socket.pause();
    };
    socket.on("data", client.onData);
    socket.on("drain", () => client.onDrain?.());
    socket.once("close", () => {
      this.plainClients.delete(client);
      client.cancel?.cancel(new Error("client closed the connection"));
    });
    socket.setTimeout(CLIENT_KEEP_ALIVE_MS, () => {
      if (!client.busy) socket.destroy();
    });
  }

  private nextPlainRequest(client: PlainClient): void {
    const buffered = client.buffered;
    if (!buffered || client.socket.destroyed) return;
    const end = buffered.indexOf(HEAD_END);
    if (end < 0) {
      if (buffered.length > MAX_HEAD_BYTES) this.handOff(client);
      return;
    }
    const head = this.options.plainFastPath === false ? undefined : parseHead(buffered.toString("latin1", 0, end));
    const request = head && this.fastPathRequest(head);
    if (!request) return this.handOff(client);
    client.buffered = end + 4 < buffered.length ? buffered.subarray(end + 4) : undefined;
    client.busy = true;
    this.forwardFast(client, request).catch((error: Error) => {
      this.log(`gateway: unexpected error: ${error.message}`);
      client.socket.destroy();
    });
  }

  /** The request if the fast path takes it (see the section comment), else undefined. */
  private fastPathRequest(head: ParsedHead): FastRequest | undefined {
    const method = head.first;
    if (method === "CONNECT" || !/^[A-Z]{1,20}$/.test(method) || head.third !== "HTTP/1.1" || !head.second.startsWith("http://")) return undefined;
    let proxyAuthorization = "";
    for (const h of head.headers) {
      const name = h.name;
      if (name === "proxy-authorization") proxyAuthorization = h.value;
      else if (name === "transfer-encoding" || name === "expect" || name === "upgrade" || (name === "content-length" && h.value !== "0")) return undefined;
    }
    const rest = head.second.slice(7);
    let slash = rest.search(/[/?#]/);
    if (slash < 0) slash = rest.length;
    const authority = this.authority(rest.slice(0, slash));
    if (!authority) return undefined;
    let path = rest.slice(slash);
    const hash = path.indexOf("#");
    if (hash >= 0) path = path.slice(0, hash);
    if (!path.startsWith("/")) path = `/${path}`;
    const close = connectionTokens(head.headers)?.has("close") ?? false;
    return { method, authority, path, headers: head.headers, proxyAuthorization, close };
  }

  private authority(text: string): TargetAuthority | undefined {
    let known = this.authorities.get(text);
    if (known === undefined) {
      try {
        const url = new URL(`http://${text}/`);
        known = url.username || url.password ? null : { host: url.host, hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80) };
      } catch {
        known = null;
      }
      if (this.authorities.size >= 10_000) this.authorities.clear();
      this.authorities.set(text, known);
    }
    return known ?? undefined;
  }

  /** Gives the connection (and what was read of it) to the node:http server for good. */
  private handOff(client: PlainClient): void {
    const { socket } = client;
    this.plainClients.delete(client);
    socket.pause();
    socket.off("data", client.onData);
    socket.setTimeout(0);
    if (client.buffered) socket.unshift(client.buffered);
    client.buffered = undefined;
    this.server.emit("connection", socket);
    socket.resume();
  }

  private async forwardFast(client: PlainClient, request: FastRequest): Promise<void> {
    let caller: Caller;
    try {
      caller = await this.authorizeConnection(client, request.proxyAuthorization);
    } catch (error) {
      if (error instanceof Refusal) return this.answerPlain(client, request, error.status, refusalHeaders(error), `${error.message}\n`);
      throw error;
    }
    const { socket } = client;
    if (socket.destroyed) return;
    const cancel = new AttemptCancel();
    client.cancel = cancel;
    const { settings } = caller;
    const { method, authority } = request;
    const idempotent = IDEMPOTENT.has(method);
    const targetOrigin = `http://${authority.host}/`;
    const forwarded = forwardedLines(request.headers, (name) => name === "host");
    const requestHead = (upstreamAuthorization: string | undefined) => (viaSocks: boolean) =>
      viaSocks
        ? `${method} ${request.path} HTTP/1.1\r\nhost: ${authority.host}\r\n${forwarded}connection: close\r\n\r\n`
        : `${method} http://${authority.host}${request.path} HTTP/1.1\r\nhost: ${authority.host}\r\n${forwarded}${upstreamAuthorization ? `proxy-authorization: ${upstreamAuthorization}\r\n` : ""}\r\n`;
    const run = await this.attemptNodes(caller, "answer", async (node, { attempt, deadlineAt, timeouts }, earlier): Promise<AttemptStep<void>> => {
      const upstream = this.upstreams.get(node);
      const startedAt = new Date();
      const t0 = performance.now();
      const outcome = await exchangeRaw(upstream, requestHead(upstream.proxyAuthorization), authority, timeouts, cancel);
      if (cancel.cancelled) {
        if (outcome.kind === "response") closeUpstream(outcome.connection);
        return { kind: "ended", value: this.clientGone(caller, earlier, attempt) };
      }
      if (outcome.kind === "failed") {
        const attemptRow = this.attemptOf(node, targetOrigin, startedAt, t0, outcome.verdict, { connectMs: outcome.connectMs, firstByteMs: null, status: null, bytes: 0, error: outcome.error });
        const failure = { finalClass: outcome.verdict.faultClass, reason: outcome.verdict.reason, nodeId: node.id };
        return { kind: "failed", attempt: attemptRow, failure, retry: !outcome.sentRequest || idempotent || settings.retryNonIdempotent };
      }
      const { status, head } = outcome;
      const framing = responseFraming(status, method, head.headers);
      const answered = framing
        ? classifyResponse({ mode: outcome.viaSocks ? "tunnel" : "forward", status, headers: status >= 400 ? headerObject(head.headers) : NO_HEADERS, bodySample: "" })
        : verdict("invalid_response", "conflicting or invalid Content-Length in the answer", ["proxy", "phase"], ["proxy", "phase"]);
      const decision = retryDecision(answered, settings, attempt, deadlineAt, idempotent);
      if (!framing || decision !== "relay") {
        closeUpstream(outcome.connection);
        const attemptRow = this.attemptOf(node, targetOrigin, startedAt, t0, answered, { connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs, status, bytes: 0 });
        return { kind: "failed", attempt: attemptRow, failure: { finalClass: answered.faultClass, reason: answered.reason, nodeId: node.id, receivedStatus: status }, retry: decision === "retry" };
      }
      return { kind: "ended", value: this.relayFast(client, request, caller, node, outcome, framing, answered, { targetOrigin, startedAt, t0, attempts: earlier }) };
    });
    if ("ended" in run) return;
    client.cancel = undefined;
    const answer = failureAnswer(run.failure, run.attempts, caller.pool.name);
    this.answerPlain(client, request, answer.status, answer.headers, answer.body);
  }

  /** An answer the gateway makes itself; the connection then serves the client's next request. */
  private answerPlain(client: PlainClient, request: FastRequest, status: number, headers: Record<string, string>, body: string): void {
    if (client.socket.destroyed) return;
    client.socket.write(rawAnswer(status, headers, request.method === "HEAD" ? "" : body, request.close));
    this.plainRequestDone(client, request.close);
  }

  private plainRequestDone(client: PlainClient, close: boolean): void {
    client.busy = false;
    client.cancel = undefined;
    client.onDrain = undefined;
    if (close) return void client.socket.destroySoon();
    if (client.socket.isPaused()) client.socket.resume();
    if (client.buffered) this.nextPlainRequest(client);
  }

  /** Relays the chosen answer's head and body bytes to the client; from the first byte on, no retry. */
  private relayFast(
    client: PlainClient,
    request: FastRequest,
    caller: Caller,
    node: GatewayNode,
    outcome: Extract<RawOutcome, { kind: "response" }>,
    framing: BodyFraming,
    answered: Verdict,
    at: { targetOrigin: string; startedAt: Date; t0: number; attempts: ProbeAttempt[] },
  ): void {
    const { socket } = client;
    const upstreamSocket = outcome.connection instanceof RawConnection ? outcome.connection.socket : outcome.connection;
    const closeClient = request.close || framing.kind === "close";
    const count = at.attempts.length + 1;
    let head = `HTTP/1.1 ${outcome.status} ${outcome.head.third}\r\n${forwardedLines(outcome.head.headers, framing.kind === "chunked" ? (name) => name === "content-length" : undefined)}`;
    if (framing.kind === "chunked") head += "transfer-encoding: chunked\r\n";
    head += `x-switchyard-node: ${node.id}\r\n`;
    if (count > 1) head += `x-switchyard-attempts: ${count}\r\n`;
    head += closeClient ? "connection: close\r\n\r\n" : "\r\n";
    // The node keeps the connection for the next request unless it said otherwise.
    let reusable = outcome.connection instanceof RawConnection && outcome.head.first === "HTTP/1.1" && framing.kind !== "close" && !connectionTokens(outcome.head.headers)?.has("close");
    let remaining = framing.kind === "length" ? framing.length : 0;
    const chunked = framing.kind === "chunked" ? new ChunkedEnd() : undefined;
    let bytes = 0;
    let done = false;

    const record = (final: Verdict, finalClass: string, origin: string | undefined, error?: unknown) => {
      const stored = this.settle([...at.attempts, this.attemptOf(node, at.targetOrigin, at.startedAt, at.t0, final, { connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs, status: outcome.status, bytes, error })]);
      this.recorder.final({ poolId: caller.pool.id, finalClass, origin: origin ?? stored!.faultOrigin, attempts: count });
    };
    const stopListening = () => {
      if (outcome.connection instanceof RawConnection) outcome.connection.onData = outcome.connection.onClose = undefined;
      else {
        upstreamSocket.off("data", onData);
        upstreamSocket.off("close", onUpstreamClose);
      }
      client.cancel?.on(undefined);
    };
    const complete = () => {
      if (done) return;
      done = true;
      stopListening();
      if (outcome.connection instanceof RawConnection) outcome.connection.release(reusable);
      else upstreamSocket.destroy();
      record(answered, answered.faultClass, undefined);
      this.plainRequestDone(client, closeClient);
    };
    const broken = (reason: string, error?: unknown) => {
      if (done) return;
      done = true;
      stopListening();
      closeUpstream(outcome.connection);
      // The node or the target cut the body: the client must see a broken response, not a short one.
      socket.destroy();
      record(verdict("reset", reason, ["none", "phase"], ["unknown", "none"]), "reset", undefined, error);
    };
    /** How much of `chunk` (from `from`) is body; -1 = broken framing. Calls complete() via the caller when the end is reached. */
    const take = (chunk: Buffer, from: number): number => {
      if (framing.kind === "length") {
        const n = Math.min(remaining, chunk.length - from);
        remaining -= n;
        return n;
      }
      if (chunked) return chunked.feed(chunk, from);
      if (framing.kind === "close") return chunk.length - from;
      return 0;
    };
    const ended = () => (framing.kind === "length" ? remaining === 0 : chunked ? chunked.done : framing.kind === "none");
    const onData = (chunk: Buffer) => {
      const n = take(chunk, 0);
      if (n < 0) return broken("invalid chunked framing in the answer's body");
      if (n < chunk.length) reusable = false;
      bytes += n;
      const part = n === chunk.length ? chunk : chunk.subarray(0, n);
      if (part.length && !socket.write(part)) upstreamSocket.pause();
      if (ended()) complete();
    };
    const onUpstreamClose = (error?: Error) => {
      if (framing.kind === "close" && !error) return complete();
      broken("connection closed while relaying the body", error);
    };

    // Head and the first body bytes in one write.
    const first = outcome.rest.length ? take(outcome.rest, 0) : 0;
    if (first < 0) {
      socket.write(head, "latin1");
      return broken("invalid chunked framing in the answer's body");
    }
    if (first < outcome.rest.length) reusable = false;
    bytes += first;
    const wrote = first ? socket.write(Buffer.concat([Buffer.from(head, "latin1"), outcome.rest.subarray(0, first)])) : socket.write(head, "latin1");
    if (ended()) return complete();
    client.onDrain = () => upstreamSocket.resume();
    client.cancel?.on(() => {
      if (done) return;
      done = true;
      stopListening();
      closeUpstream(outcome.connection);
      record(answered, "client_closed", "client");
    });
    if (outcome.connection instanceof RawConnection) {
      outcome.connection.onData = onData;
      outcome.connection.onClose = onUpstreamClose;
      if (outcome.connection.closed) return onUpstreamClose();
    } else {
      upstreamSocket.on("data", onData);
      upstreamSocket.once("close", onUpstreamClose);
      if (upstreamSocket.destroyed) return onUpstreamClose();
    }
    if (wrote) upstreamSocket.resume();
  }

  // ---- plain HTTP (absolute-form) ------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) controller.abort(new Error("client closed the connection"));
    });
    try {
      await this.forward(req, res, controller.signal);
    } catch (error) {
      this.log(`gateway: unexpected error: ${(error as Error).message}`);
      if (!res.headersSent) sendPlain(res, 500, {}, "The gateway failed unexpectedly.\n");
      else res.destroy();
    }
  }

  private async forward(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      return sendPlain(res, 400, {}, "This is a forward proxy: send absolute-form requests (GET http://host/path) or CONNECT host:port.\n");
    }
    if (url.protocol !== "http:")
      return sendPlain(res, 400, {}, `Only http:// URLs are forwarded as plain requests; for ${url.protocol}// targets use CONNECT (any HTTPS_PROXY client does).\n`);
    let caller: Caller;
    try {
      caller = await this.authorize(...basicCredentials(req.headers["proxy-authorization"]));
    } catch (error) {
      if (error instanceof Refusal) return sendRefusal(res, error);
      throw error;
    }
    const body = await readBody(req);
    if (body === "too_large") return sendPlain(res, 413, {}, `Request bodies through the gateway are limited to ${MAX_REQUEST_BODY} bytes (they are buffered so a failed attempt can be sent again).\n`);
    if (signal.aborted) return;
    const headers = forwardHeaders(req.headers, url);
    const { settings } = caller;
    const idempotent = IDEMPOTENT.has(req.method ?? "GET");
    const targetOrigin = `http://${url.host}/`;
    const run = await this.attemptNodes(caller, "answer", async (node, { attempt, deadlineAt, timeouts }, earlier): Promise<AttemptStep<void>> => {
      const upstream = this.upstreams.get(node);
      const startedAt = new Date();
      const t0 = performance.now();
      const outcome = await forwardThrough(upstream, { method: req.method ?? "GET", url, headers, body, timeouts, signal });
      if (signal.aborted) {
        if (outcome.kind === "response") outcome.request.destroy();
        return { kind: "ended", value: this.clientGone(caller, earlier, attempt) };
      }
      if (outcome.kind === "failed") {
        const attemptRow = this.attemptOf(node, targetOrigin, startedAt, t0, outcome.verdict, { connectMs: outcome.connectMs, firstByteMs: null, status: null, bytes: 0, error: outcome.error });
        const failure = { finalClass: outcome.verdict.faultClass, reason: outcome.verdict.reason, nodeId: node.id };
        // A request that never left for the target may always go again; one that may have reached it only when idempotent.
        return { kind: "failed", attempt: attemptRow, failure, retry: !outcome.sentRequest || idempotent || settings.retryNonIdempotent };
      }
      const { response } = outcome;
      const answered = classifyResponse({ mode: upstream.scheme === "socks5" ? "tunnel" : "forward", status: response.statusCode ?? 0, headers: response.headers, bodySample: "" });
      const decision = retryDecision(answered, settings, attempt, deadlineAt, idempotent);
      if (decision !== "relay") {
        // The node's own error page (or a target failure the pool retries): drop it and try another
        // node, or answer with our own failure naming the hop.
        response.resume();
        outcome.request.destroy();
        const attemptRow = this.attemptOf(node, targetOrigin, startedAt, t0, answered, { connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs, status: response.statusCode ?? null, bytes: 0 });
        return { kind: "failed", attempt: attemptRow, failure: { finalClass: answered.faultClass, reason: answered.reason, nodeId: node.id, receivedStatus: response.statusCode }, retry: decision === "retry" };
      }
      return { kind: "ended", value: this.relay(caller, node, outcome, answered, res, { targetOrigin, startedAt, t0, attempts: earlier }) };
    });
    if ("ended" in run) return;
    const answer = failureAnswer(run.failure, run.attempts, caller.pool.name);
    sendPlain(res, answer.status, answer.headers, answer.body);
  }

  /** Streams the chosen answer to the client; from the first byte on, no retry is possible. */
  private relay(
    caller: Caller,
    node: GatewayNode,
    outcome: Extract<Awaited<ReturnType<typeof forwardThrough>>, { kind: "response" }>,
    answered: Verdict,
    res: ServerResponse,
    at: { targetOrigin: string; startedAt: Date; t0: number; attempts: ProbeAttempt[] },
  ): void {
    const { response, request } = outcome;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers["x-switchyard-node"] = node.id;
    const count = at.attempts.length + 1;
    if (count > 1) headers["x-switchyard-attempts"] = String(count);
    res.writeHead(response.statusCode ?? 502, response.statusMessage, headers);
    let bytes = 0;
    let done = false;
    const finish = (failure?: Verdict, error?: unknown) => {
      if (done) return;
      done = true;
      const final = failure ?? answered;
      const stored = this.settle([...at.attempts, this.attemptOf(node, at.targetOrigin, at.startedAt, at.t0, final, { connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs, status: response.statusCode ?? null, bytes, error })]);
      this.recorder.final({ poolId: caller.pool.id, finalClass: final.faultClass, origin: stored!.faultOrigin, attempts: count });
    };
    response.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (!res.write(chunk)) response.pause();
    });
    res.on("drain", () => response.resume());
    response.once("end", () => {
      res.end();
      finish();
    });
    response.once("error", () => {});
    response.once("aborted", () => {
      // The node or the target cut the body: the client must see a broken response, not a short one.
      res.destroy();
      finish(verdict("reset", "connection closed while relaying the body", ["none", "phase"], ["unknown", "none"]));
    });
    res.once("close", () => {
      if (!response.complete) {
        request.destroy();
        if (!done) {
          done = true;
          this.settle([...at.attempts, this.attemptOf(node, at.targetOrigin, at.startedAt, at.t0, answered, { connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs, status: response.statusCode ?? null, bytes })]);
          this.recorder.final({ poolId: caller.pool.id, finalClass: "client_closed", origin: "client", attempts: count });
        }
      }
    });
  }

  // ---- CONNECT -------------------------------------------------------------------------------

  private async onConnect(req: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const authority = parseAuthority(req.url ?? "");
    if (!authority) return endRaw(client, 400, {}, "CONNECT needs host:port.\n");
    let caller: Caller;
    try {
      caller = await this.authorize(...basicCredentials(req.headers["proxy-authorization"]));
    } catch (error) {
      if (error instanceof Refusal) return endRaw(client, error.status, refusalHeaders(error), `${error.message}\n`);
      throw error;
    }
    const opened = await this.openTunnelWithRetries(caller, authority.host, authority.port, client);
    if (!opened) return;
    if ("failure" in opened) {
      const answer = failureAnswer(opened.failure, opened.attempts, caller.pool.name);
      return endRaw(client, answer.status, answer.headers, answer.body);
    }
    client.write(`HTTP/1.1 200 Connection established\r\nx-switchyard-node: ${opened.node.id}\r\n\r\n`);
    this.splice(caller.pool.id, client, head, opened);
  }

  // ---- SOCKS5 --------------------------------------------------------------------------------

  private onSocks(client: Socket): void {
    let caller: Caller | undefined;
    acceptSocks5(client, {
      authenticate: async (user, password) => {
        try {
          caller = await this.authorize(user, password);
          return true;
        } catch (error) {
          if (error instanceof Refusal) return error.message;
          throw error;
        }
      },
      connect: (request) => {
        void (async () => {
          const opened = await this.openTunnelWithRetries(caller!, request.host, request.port, client);
          if (!opened) return;
          if ("failure" in opened) {
            client.write(Buffer.from(reply(socksReplyFor(opened.failure.finalClass))));
            return void client.destroySoon();
          }
          client.write(Buffer.from(reply(SOCKS_REPLY.succeeded)));
          this.splice(caller!.pool.id, client, request.leftover, opened);
        })().catch((error: Error) => {
          this.log(`gateway: unexpected SOCKS error: ${error.message}`);
          client.destroy();
        });
      },
    });
  }

  // ---- tunnels (CONNECT and SOCKS5 share this) -----------------------------------------------

  private async openTunnelWithRetries(
    caller: Caller,
    host: string,
    port: number,
    client: Socket,
  ): Promise<OpenTunnel | { failure: GatewayFailure; attempts: number } | undefined> {
    const controller = new AbortController();
    const onClose = () => controller.abort(new Error("client closed the connection"));
    client.once("close", onClose);
    const targetOrigin = `https://${isIP(host) === 6 ? `[${host}]` : host}${port === 443 ? "" : `:${port}`}/`;
    try {
      const run = await this.attemptNodes(caller, "tunnel", async (node, { attempt, timeouts }, earlier): Promise<AttemptStep<OpenTunnel | undefined>> => {
        const startedAt = new Date();
        const t0 = performance.now();
        const outcome = await openTunnel(this.upstreams.get(node), host, port, timeouts, controller.signal);
        if (controller.signal.aborted) {
          if (outcome.kind === "open") outcome.socket.destroy();
          this.clientGone(caller, earlier, attempt);
          return { kind: "ended", value: undefined };
        }
        if (outcome.kind === "open") {
          // Recorded as soon as it is open: a tunnel's lifetime is the client's business, not the node's latency.
          const open = verdict("ok", "tunnel established", ["proxy", "phase"], ["none", "phase"]);
          this.settle([...earlier, this.attemptOf(node, targetOrigin, startedAt, t0, open, { connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs, status: 200, bytes: 0 })]);
          return { kind: "ended", value: { node, socket: outcome.socket, head: outcome.head, attempts: attempt, targetOrigin, startedAt, t0, connectMs: outcome.connectMs, firstByteMs: outcome.firstByteMs } };
        }
        const attemptRow = this.attemptOf(node, targetOrigin, startedAt, t0, outcome.verdict, { connectMs: outcome.connectMs, firstByteMs: null, status: outcome.status ?? null, bytes: 0, error: outcome.error });
        return { kind: "failed", attempt: attemptRow, failure: { finalClass: outcome.verdict.faultClass, reason: outcome.verdict.reason, nodeId: node.id, receivedStatus: outcome.status }, retry: true };
      });
      return "ended" in run ? run.ended : run;
    } finally {
      client.off("close", onClose);
    }
  }

  /** Joins client and upstream; whichever side ends or fails, both go. Recorded when the tunnel closes. */
  private splice(
    poolId: string,
    client: Socket,
    clientHead: Buffer,
    opened: OpenTunnel,
  ): void {
    const { socket: upstream } = opened;
    upstream.setNoDelay(true);
    if (opened.head.length) client.write(opened.head);
    if (clientHead.length) upstream.write(clientHead);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", close);
    client.on("error", close);
    upstream.once("close", close);
    client.once("close", close);
    upstream.pipe(client);
    client.pipe(upstream);
    client.resume();
    this.recorder.final({ poolId, finalClass: "ok", origin: "none", attempts: opened.attempts });
  }
}

/**
 * Worth another node: the node answered an error itself (its own 502/504, refused tunnel, bad
 * credentials), nothing came back at all (refused, reset, silence), or the attribution blames the
 * node or the network. Not: anything the target said (relayed 5xx without the node's marker,
 * blocks, 4xx) — that passes through unchanged.
 */
function retryable(v: Verdict): boolean {
  if (v.faultClass === "ok") return false;
  return v.responder === "proxy" || v.responder === "none" || isNodeFault(v.faultOrigin);
}

/** One attempt's budget: its number, the request's deadline, and timeouts cut to what is left of it. */
interface AttemptBudget {
  attempt: number;
  deadlineAt: number;
  timeouts: { connectMs: number; firstByteMs: number };
}

/** What one attempt came to: the request ended (answered, relayed, tunnel open, client gone), or a failed attempt and whether another node may be tried. */
type AttemptStep<T> = { kind: "ended"; value: T } | { kind: "failed"; attempt: ProbeAttempt; failure: GatewayFailure; retry: boolean };

/** A tunnel opened through a node, ready to be spliced to the client. */
interface OpenTunnel {
  node: GatewayNode;
  socket: Socket;
  head: Buffer;
  attempts: number;
  targetOrigin: string;
  startedAt: Date;
  t0: number;
  connectMs: number | null;
  firstByteMs: number;
}

/** What to do with an answer: relay it, or drop it and try another node (or, out of budget, answer with a failure). */
function retryDecision(v: Verdict, settings: ProxyGatewaySettings, attempt: number, deadlineAt: number, idempotent: boolean): "relay" | "retry" | "fail" {
  const nodeFault = retryable(v);
  const mayResend = idempotent || settings.retryNonIdempotent;
  const canRetry = attempt < settings.maxAttempts && performance.now() < deadlineAt;
  const retryTarget = !nodeFault && v.faultClass !== "ok" && v.faultClass !== "target_4xx" && settings.retryTargetFailures && canRetry && mayResend;
  if (!nodeFault && !retryTarget) return "relay";
  return mayResend ? "retry" : "fail";
}

function closeUpstream(connection: RawConnection | Socket): void {
  if (connection instanceof RawConnection) connection.release(false);
  else connection.destroy();
}

/** A plain-HTTP client connection on the fast path. */
interface PlainClient {
  socket: Socket;
  /** Bytes read and not yet used (a partial head, or pipelined requests). */
  buffered: Buffer | undefined;
  /** A request is in flight (the next one waits in `buffered`). */
  busy: boolean;
  cancel: AttemptCancel | undefined;
  onDrain: (() => void) | undefined;
  onData: (chunk: Buffer) => void;
  /** The key and user name this connection's Proxy-Authorization was last verified as (authorizeConnection). */
  auth?: { header: string; key: VerifiedApiKey; user: ProxyUser; generation: number; until: number };
}

interface TargetAuthority {
  /** host[:port] as the Host header says it (port left out when 80). */
  host: string;
  hostname: string;
  port: number;
}

interface FastRequest {
  method: string;
  authority: TargetAuthority;
  /** Origin-form path and query. */
  path: string;
  headers: HeaderLine[];
  proxyAuthorization: string;
  /** The client asked to close the connection after this answer. */
  close: boolean;
}

function noHealthyNode(pool: GatewayPool): GatewayFailure {
  return {
    finalClass: "no_healthy_node",
    reason: pool.nodes.length ? `no healthy node of pool "${pool.name}" matches the filters` : `pool "${pool.name}" has no healthy node (all disabled, draining, ejected or failing)`,
  };
}

/** user and password of a Basic Proxy-Authorization header ("" when absent or malformed). */
function basicCredentials(header: string | undefined): [string, string] {
  if (!header || !/^basic /i.test(header)) return ["", ""];
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? [decoded, ""] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** The client's headers minus hop-by-hop fields (and whatever Connection names), Host set from the URL. */
function forwardHeaders(incoming: IncomingHttpHeaders, url: URL): OutgoingHttpHeaders {
  const named = new Set(String(incoming.connection ?? "").toLowerCase().split(",").map((s) => s.trim()).filter(Boolean));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name) && name !== "content-length") out[name] = value;
  out.host = url.host;
  return out;
}

/** The request body, buffered up to MAX_REQUEST_BODY (null when there is none). */
async function readBody(req: IncomingMessage): Promise<Buffer | null | "too_large"> {
  const declared = req.headers["content-length"];
  if (!req.headers["transfer-encoding"] && (declared === undefined || declared === "0")) {
    req.resume();
    return null;
  }
  if (Number(declared) > MAX_REQUEST_BODY) return "too_large";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BODY) return "too_large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseAuthority(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2], port };
}

function refusalHeaders(refusal: Refusal): Record<string, string> {
  return refusal.status === 407 ? { "proxy-authenticate": 'Basic realm="switchyard"' } : {};
}

function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  sendPlain(res, refusal.status, refusalHeaders(refusal), `${refusal.message}\n`);
}

function sendPlain(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...headers });
  res.end(body);
}

/** An answer on a raw socket (CONNECT), then close. */
function endRaw(socket: Socket, status: number, headers: Record<string, string>, body: string): void {
  if (socket.destroyed) return;
  const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}`, "content-type: text/plain; charset=utf-8", `content-length: ${Buffer.byteLength(body)}`, "connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  // A socket handed over by the 'connect' event is not read: end() alone would wait forever for the
  // client's FIN. destroySoon closes it fully once the answer is flushed.
  socket.write(`${lines.join("\r\n")}\r\n\r\n${body}`);
  socket.destroySoon();
}

