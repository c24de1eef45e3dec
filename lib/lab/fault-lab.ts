import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { findFreePort } from "@/lib/net/free-port";
import { LabHttpProxy } from "./http-proxy-server";
import type { LabProxy, LabProxyKind } from "./lab-proxy";
import type { ProxyBehaviour } from "./proxy-behaviour";
import { labCertificate } from "./self-signed-cert";
import { ServerLifecycle } from "./server-lifecycle";
import { LabSocks5Proxy } from "./socks5-proxy-server";
import { startTargetServer, TARGET_PATHS, type LabTargetServer } from "./target-server";

export interface LabProxySpec {
  name: string;
  kind: LabProxyKind;
  behaviour?: ProxyBehaviour;
  auth?: { username: string; password: string };
  /** Defaults to one address of its own, 127.0.1.(10 + position) (then 127.0.2.x …). */
  exitAddresses?: string[];
}

export const LAB_CREDENTIALS = { username: "lab", password: "lab-pass" } as const;

/** The default lab: one proxy per behaviour and kind the probe engine must classify. */
export const DEFAULT_LAB_PROXIES: LabProxySpec[] = [
  { name: "http-healthy", kind: "http" },
  { name: "http-auth", kind: "http", auth: LAB_CREDENTIALS },
  { name: "http-refuse", kind: "http", behaviour: { kind: "refuse" } },
  { name: "http-hang", kind: "http", behaviour: { kind: "hang" } },
  { name: "http-blackhole", kind: "http", behaviour: { kind: "blackhole" } },
  { name: "http-tunnel-403", kind: "http", behaviour: { kind: "tunnel_refused", status: 403 } },
  { name: "http-tunnel-405", kind: "http", behaviour: { kind: "tunnel_refused", status: 405 } },
  { name: "http-slow", kind: "http", behaviour: { kind: "slow", delayMs: 1_500 } },
  { name: "http-flaky", kind: "http", behaviour: { kind: "flaky", failRate: 0.5, seed: 42 } },
  { name: "http-updown", kind: "http" },
  { name: "http-bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" } },
  { name: "http-gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
  // Its own 502 with no marker at all: only a control request or the cohort can tell it from the target's.
  { name: "http-unmarked-502", kind: "http", behaviour: { kind: "unmarked_error", status: 502 } },
  { name: "http-rotating", kind: "http", exitAddresses: ["127.0.2.1", "127.0.2.2", "127.0.2.3"] },
  { name: "https-healthy", kind: "https" },
  { name: "https-auth", kind: "https", auth: LAB_CREDENTIALS },
  { name: "socks5-healthy", kind: "socks5" },
  { name: "socks5-auth", kind: "socks5", auth: LAB_CREDENTIALS },
  { name: "socks5-refuse", kind: "socks5", behaviour: { kind: "refuse" } },
  { name: "socks5-hang", kind: "socks5", behaviour: { kind: "hang" } },
  { name: "socks5-not-allowed", kind: "socks5", behaviour: { kind: "tunnel_refused" } },
  { name: "socks5-slow", kind: "socks5", behaviour: { kind: "slow", delayMs: 1_500 } },
  { name: "socks5-flaky", kind: "socks5", behaviour: { kind: "flaky", failRate: 0.5, seed: 42 } },
];

export interface LabManifestProxy {
  name: string;
  kind: LabProxyKind;
  behaviour: ProxyBehaviour;
  behaviourText: string;
  host: string;
  port: number;
  username: string;
  password: string;
  exitIp: string;
  url: string;
}

/** What `npm run lab` writes to .data/lab.json; registerLabAsDemoPool reads it. */
export interface LabManifest {
  version: 1;
  startedAt: string;
  controlUrl: string;
  /** PEM of the lab's self-signed certificate: trust it as CA for the lab's TLS targets/proxies. */
  certPem: string;
  targets: { http: string; https: string; closedPort: string; paths: typeof TARGET_PATHS };
  proxies: LabManifestProxy[];
}

export interface FaultLab {
  manifest(): LabManifest;
  proxy(name: string): LabProxy;
  proxies: LabProxy[];
  httpTarget: LabTargetServer;
  httpsTarget: LabTargetServer;
  /** http://127.0.0.1:<port> where nothing listens: a target that is down. */
  closedTargetUrl: string;
  controlUrl: string;
  close(): Promise<void>;
}

export interface StartLabOptions {
  proxies?: LabProxySpec[];
  /** Fixed ports from here on (control, targets, closed port, then proxies); otherwise free ports. */
  portBase?: number;
  /** How long lab proxies wait for upstream before their own 504. */
  upstreamTimeoutMs?: number;
}

export async function startFaultLab(options: StartLabOptions = {}): Promise<FaultLab> {
  const specs = options.proxies ?? DEFAULT_LAB_PROXIES;
  const base = options.portBase;
  const portAt = (offset: number) => (base ? base + offset : 0);
  labCertificate(); // fail early (and once) if openssl is missing

  const httpTarget = await startTargetServer("http", portAt(1));
  const httpsTarget = await startTargetServer("https", portAt(2));
  const closedPort = base ? base + 3 : await findFreePort();

  const proxies: LabProxy[] = [];
  const byName = new Map<string, LabProxy>();
  const startedAt = new Date().toISOString();
  try {
    for (const [index, spec] of specs.entries()) {
      if (byName.has(spec.name)) throw new Error(`duplicate lab proxy name ${spec.name}`);
      const common = {
        name: spec.name,
        behaviour: spec.behaviour,
        auth: spec.auth,
        exitAddresses: spec.exitAddresses ?? [`127.0.${1 + Math.floor(index / 200)}.${10 + (index % 200)}`],
        upstreamTimeoutMs: options.upstreamTimeoutMs,
        port: portAt(10 + index),
      };
      const proxy = spec.kind === "socks5" ? new LabSocks5Proxy(common) : new LabHttpProxy({ ...common, tls: spec.kind === "https" });
      await proxy.start();
      proxies.push(proxy);
      byName.set(spec.name, proxy);
    }
  } catch (error) {
    await Promise.all([...proxies.map((p) => p.stop()), httpTarget.close(), httpsTarget.close()]);
    throw error;
  }

  const proxy = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no lab proxy named ${name}`);
    return found;
  };

  // Control port: lets a demo (or a person with curl) rotate exit IPs and take proxies down and up.
  const control = new ServerLifecycle(
    createServer(async (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? "/", "http://control");
      const json = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      try {
        if (url.pathname === "/state") return json(200, manifest().proxies.map((p) => ({ ...p, up: proxy(p.name).isUp })));
        const target = proxy(url.searchParams.get("proxy") ?? "");
        if (url.pathname === "/rotate") return json(200, { proxy: target.name, exitIp: target.rotate() });
        if (url.pathname === "/down") return (await target.stop(), json(200, { proxy: target.name, up: false }));
        if (url.pathname === "/up") return (await target.start(), json(200, { proxy: target.name, up: true }));
        json(404, { error: "use /state, /rotate?proxy=, /down?proxy=, /up?proxy=" });
      } catch (error) {
        json(400, { error: (error as Error).message });
      }
    }),
  );
  const controlPort = await control.listen(portAt(0));
  const controlUrl = `http://127.0.0.1:${controlPort}`;

  const manifest = (): LabManifest => ({
    version: 1,
    startedAt,
    controlUrl,
    certPem: labCertificate().certPem,
    targets: { http: httpTarget.baseUrl, https: httpsTarget.baseUrl, closedPort: `http://127.0.0.1:${closedPort}`, paths: TARGET_PATHS },
    proxies: specs.map((spec) => {
      const p = proxy(spec.name);
      return {
        name: p.name,
        kind: p.kind,
        behaviour: p.behaviour,
        behaviourText: p.behaviourText,
        host: "127.0.0.1",
        port: p.port,
        username: p.auth?.username ?? "",
        password: p.auth?.password ?? "",
        exitIp: p.exitIp,
        url: p.url,
      };
    }),
  });

  return {
    manifest,
    proxy,
    proxies,
    httpTarget,
    httpsTarget,
    closedTargetUrl: `http://127.0.0.1:${closedPort}`,
    controlUrl,
    close: async () => {
      await Promise.all([...proxies.map((p) => p.stop()), httpTarget.close(), httpsTarget.close(), control.close()]);
    },
  };
}
