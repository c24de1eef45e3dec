import { connect, type Server, type Socket } from "node:net";
import { bindFreshPort, findFreePort } from "@/lib/net/free-port";
import { resolveHost, type HostLookup } from "@/lib/probe/host-lookup";
import { BlackholeListener } from "./blackhole-listener";
import { labLookup } from "./lab-lookup";
import { BehaviourGate, describeBehaviour, type ProxyBehaviour } from "./proxy-behaviour";
import { ServerLifecycle } from "./server-lifecycle";

/** Even a hung connection ends after this (a client that keeps it open that long is gone). */
const HANG_LIMIT_MS = 15 * 60_000;

export type LabProxyKind = "http" | "https" | "socks5";

/** Why a tunnel's upstream leg did not open: each proxy kind answers it in its own words. */
export type TunnelFailure = { kind: "timeout" } | { kind: "dns"; message: string } | { kind: "error"; code: string | undefined; message: string };

export interface LabProxyOptions {
  name: string;
  behaviour?: ProxyBehaviour;
  auth?: { username: string; password: string };
  /** Loopback source addresses this proxy dials upstream from; rotate() moves to the next. */
  exitAddresses: string[];
  /** How long the proxy waits for its upstream before answering its own 504 / TTL-expired. */
  upstreamTimeoutMs?: number;
  lookup?: HostLookup;
  port?: number;
}

/** What a proxy server kind provides; the shared part (listen, stop/start, rotate) lives in LabProxy. */
export abstract class LabProxy {
  readonly name: string;
  readonly behaviour: ProxyBehaviour;
  readonly auth: { username: string; password: string } | undefined;
  readonly upstreamTimeoutMs: number;
  readonly lookup: HostLookup;
  protected readonly gate: BehaviourGate;
  protected lifecycle!: ServerLifecycle;
  private blackhole: BlackholeListener | undefined;
  /** Connections this proxy is holding without answering right now (behaviour "hang"). */
  hanging = 0;
  private exitIndex = 0;
  private boundPort = 0;
  private acceptedBefore = 0;

  abstract readonly kind: LabProxyKind;
  protected abstract createServer(): Server;

  constructor(protected readonly options: LabProxyOptions) {
    this.name = options.name;
    this.behaviour = options.behaviour ?? { kind: "healthy" };
    this.auth = options.auth;
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? 2_000;
    this.lookup = options.lookup ?? labLookup;
    this.gate = new BehaviourGate(this.behaviour);
    if (options.exitAddresses.length === 0) throw new Error(`${options.name}: needs at least one exit address`);
  }

  get port(): number {
    return this.boundPort;
  }

  get exitIp(): string {
    return this.options.exitAddresses[this.exitIndex];
  }

  get url(): string {
    return `${this.kind}://127.0.0.1:${this.port}`;
  }

  get behaviourText(): string {
    const text =
      this.kind === "socks5" && this.behaviour.kind === "tunnel_refused" ? "tunnel refused (SOCKS 0x02 not allowed)" : describeBehaviour(this.behaviour);
    const exits = this.options.exitAddresses.length;
    return exits > 1 ? `${text}, rotating over ${exits} exit IPs` : text;
  }

  /** TCP connections this proxy has accepted (across restarts: counted per server). */
  get connectionsAccepted(): number {
    return this.acceptedBefore + (this.lifecycle?.accepted ?? 0);
  }

  get isUp(): boolean {
    return this.blackhole !== undefined || (this.lifecycle?.listening ?? false);
  }

  /** Moves to the next exit address, as a rotating residential/mobile proxy would. */
  rotate(): string {
    this.exitIndex = (this.exitIndex + 1) % this.options.exitAddresses.length;
    return this.exitIp;
  }

  /** First start picks the port; later starts reuse it, so "down then up" keeps the node's address. */
  async start(): Promise<void> {
    if (this.behaviour.kind === "refuse") {
      // A port that was free a moment ago and that nobody listens on: connections get ECONNREFUSED.
      this.boundPort ||= this.options.port || (await findFreePort());
      return;
    }
    if (this.isUp) return;
    if (this.behaviour.kind === "blackhole") {
      const port = this.boundPort || this.options.port;
      this.blackhole = port
        ? await BlackholeListener.start(port)
        : (await bindFreshPort(async () => { const listener = await BlackholeListener.start(0); return { port: listener.port, value: listener }; }, (listener) => listener.close())).value;
      this.boundPort = this.blackhole.port;
      return;
    }
    this.acceptedBefore += this.lifecycle?.accepted ?? 0;
    this.lifecycle = new ServerLifecycle(this.createServer());
    this.boundPort = await this.lifecycle.listen(this.boundPort || this.options.port || 0);
  }

  /** Stops listening and drops every open connection: the proxy looks down until start(). */
  async stop(): Promise<void> {
    await this.blackhole?.close();
    this.blackhole = undefined;
    await this.lifecycle?.close();
  }

  /**
   * Holds a connection without a word, as a hung proxy does, but lets go of it the moment the
   * client does (FIN, reset, or a peer gone silent that keep-alive finds out): a lab that kept
   * every abandoned socket ran out of descriptors after ~20,000 checks and then failed everyone.
   */
  protected hang(socket: Socket): void {
    // The client may have gone before the request was handed to us (its FIN came with the request).
    if (socket.destroyed || socket.readableEnded) return void socket.destroy();
    this.hanging++;
    socket.once("close", () => this.hanging--);
    const release = () => socket.destroy();
    socket.once("end", release);
    socket.on("error", release);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(HANG_LIMIT_MS, release);
  }

  /**
   * The upstream leg of a tunnel, the same for every proxy kind: resolve the host, dial it from the
   * current exit address within upstreamTimeoutMs, then pipe both ways. `opened` writes the kind's
   * success reply (and any bytes the client sent early) before the pipes start; `failed` writes its
   * error answer. Exactly one of them is called, unless the client left first.
   */
  protected async openTunnel(client: Socket, host: string, port: number, answers: { opened: (upstream: Socket) => void; failed: (failure: TunnelFailure) => void }): Promise<void> {
    let settled = false;
    // eslint-disable-next-line prefer-const -- assigned below, after the handlers that must see it
    let upstream: Socket | undefined;
    const timer = setTimeout(() => {
      settled = true;
      upstream?.destroy();
      answers.failed({ kind: "timeout" });
    }, this.upstreamTimeoutMs);
    client.once("close", () => {
      clearTimeout(timer);
      upstream?.destroy();
    });
    let address: string;
    try {
      address = await this.resolve(host);
    } catch (error) {
      clearTimeout(timer);
      if (!settled) answers.failed({ kind: "dns", message: (error as Error).message });
      return;
    }
    if (settled || client.destroyed) return;
    const socket = connect({ host: address, port, localAddress: this.exitIp });
    upstream = socket;
    this.lifecycle.adopt(socket);
    socket.once("connect", () => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      answers.opened(socket);
      socket.pipe(client);
      client.pipe(socket);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (settled) return void client.destroy();
      settled = true;
      answers.failed({ kind: "error", code: error.code, message: error.message });
    });
    socket.on("close", (hadError) => {
      if (hadError) client.destroy();
    });
  }

  /** IP literals pass through; names go to the lab lookup (never the system resolver). */
  protected resolve(host: string): Promise<string> {
    return resolveHost(host, this.lookup);
  }

  protected credentialsMatch(username: string, password: string): boolean {
    return !this.auth || (username === this.auth.username && password === this.auth.password);
  }
}
