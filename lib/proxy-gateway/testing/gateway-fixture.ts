import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createApiKey } from "@/lib/auth/api-keys";
import { createTestUser } from "@/lib/auth/testing";
import { prisma } from "@/lib/db/prisma";
import { Gateway } from "@/lib/gateway/gateway";
import { startFaultLab, type FaultLab, type LabProxySpec } from "@/lib/lab/fault-lab";
import { ProxyGateway } from "../proxy-gateway";
import type { ProxyGatewaySettings } from "@/lib/pools/schema";

/** A lab, a pool of its proxies as nodes, an API key and a running forward-proxy gateway (tests, bench). */
export interface GatewayFixture {
  lab: FaultLab;
  gateway: Gateway;
  proxyGateway: ProxyGateway;
  port: number;
  socksPort: number;
  poolId: string;
  poolName: string;
  key: string;
  /** Lab proxy name → node id. */
  nodeIds: Map<string, string>;
  close(): Promise<void>;
}

export async function startGatewayFixture(options: {
  proxies: LabProxySpec[];
  settings?: Partial<ProxyGatewaySettings>;
  upstreamTimeoutMs?: number;
  healthPolicy?: { maxConsecutiveFailures: number };
}): Promise<GatewayFixture> {
  const lab = await startFaultLab({ proxies: options.proxies, upstreamTimeoutMs: options.upstreamTimeoutMs ?? 1_500 });
  const poolName = `gw-${Math.random().toString(36).slice(2, 8)}-pool`;
  const pool = await prisma.pool.create({ data: { name: poolName } });
  const nodeIds = new Map<string, string>();
  for (const proxy of lab.proxies) {
    // Refusing proxies do not listen; their port is still the one they would use. A user name of
    // this pool's keeps the node's identity unique: another test file's lab may have had this port
    // (lab proxies without credentials ignore the header it adds).
    const username = proxy.auth ? "" : `${poolName}-${proxy.name}`;
    const node = await prisma.proxyNode.create({ data: { scheme: proxy.kind, host: "127.0.0.1", port: proxy.port, username, label: `[lab] ${proxy.name}`, tags: [`lab:${proxy.behaviour.kind}`] } });
    await prisma.poolMembership.create({ data: { poolId: pool.id, nodeId: node.id } });
    nodeIds.set(proxy.name, node.id);
  }
  if (options.settings) await prisma.poolProxyGatewaySettings.create({ data: { poolId: pool.id, ...options.settings } });
  if (options.healthPolicy) await prisma.poolHealthPolicy.create({ data: { poolId: pool.id, ...options.healthPolicy } });
  const admin = await createTestUser("admin");
  const { key } = await createApiKey(admin.actor, { name: "gateway test", scope: "read" });
  const gateway = new Gateway({ connectionString: process.env.DATABASE_URL!, refreshMs: 60_000 });
  await gateway.start();
  const proxyGateway = new ProxyGateway({ gateway, host: "127.0.0.1", port: 0, socksPort: 0, ca: lab.manifest().certPem });
  const { port, socksPort } = await proxyGateway.start();
  return {
    lab,
    gateway,
    proxyGateway,
    port,
    socksPort: socksPort!,
    poolId: pool.id,
    poolName,
    key,
    nodeIds,
    close: async () => {
      await proxyGateway.close();
      await gateway.close();
      await lab.close();
    },
  };
}

export function proxyAuthorization(user: string, key: string): string {
  return `Basic ${Buffer.from(`${user}:${key}`).toString("base64")}`;
}

export interface ProxiedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One absolute-form request through the gateway, the way any HTTP client sends it to a proxy. */
export function getThrough(port: number, url: string, auth: string, options: { agent?: Agent; method?: string; body?: string } = {}): Promise<ProxiedAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method: options.method ?? "GET", path: url, headers: { host: new URL(url).host, "proxy-authorization": auth }, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
