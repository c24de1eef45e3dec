import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BlockList, isIP } from "node:net";
import { scopeAtLeast, verifyApiKey } from "@/lib/auth/api-keys";
import { refreshFleetGauges } from "./fleet-gauges";
import { processMetrics } from "./metrics";

/**
 * GET /metrics (Prometheus text format). Allowed for a client address in SWITCHYARD_METRICS_ALLOW
 * (comma list of addresses and CIDR ranges), or with an API key of read scope or above that is
 * not restricted to one pool (the figures cover every pool). Everything else: 401/403.
 */
export const METRICS_PATH = "/metrics";

let allowCache: { source: string; list: BlockList } | undefined;

/** Parses SWITCHYARD_METRICS_ALLOW; throws on an entry that is not an address or CIDR range. */
export function metricsAllowList(source = process.env.SWITCHYARD_METRICS_ALLOW ?? ""): BlockList {
  if (allowCache?.source === source) return allowCache.list;
  const list = new BlockList();
  for (const raw of source.split(",").map((entry) => entry.trim()).filter(Boolean)) {
    const [address, prefix] = raw.split("/");
    const family = isIP(address);
    if (family === 0) throw new Error(`SWITCHYARD_METRICS_ALLOW: "${raw}" is not an IP address or CIDR range.`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`SWITCHYARD_METRICS_ALLOW: "${raw}" has an invalid prefix length.`);
      list.addSubnet(address, bits, type);
    }
  }
  allowCache = { source, list };
  return list;
}

export function clientAddress(req: IncomingMessage): string {
  const forwarded = process.env.SWITCHYARD_TRUST_PROXY === "1" ? String(req.headers["x-forwarded-for"] ?? "").split(",")[0].trim() : "";
  const address = forwarded || req.socket.remoteAddress || "";
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function addressAllowed(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && metricsAllowList().check(address, family === 4 ? "ipv4" : "ipv6");
}

type Verdict = { allowed: true } | { allowed: false; status: 401 | 403; message: string };

export async function authorizeMetricsRequest(req: IncomingMessage): Promise<Verdict> {
  if (addressAllowed(clientAddress(req))) return { allowed: true };
  const header = req.headers.authorization;
  if (!header) return { allowed: false, status: 401, message: "Send an API key (Authorization: Bearer sy_…) or scrape from an address in SWITCHYARD_METRICS_ALLOW." };
  const key = await verifyApiKey(header);
  if (!key) return { allowed: false, status: 401, message: "The API key is invalid, revoked or expired." };
  if (!scopeAtLeast(key.scope, "read")) return { allowed: false, status: 403, message: "This needs an API key with the read scope." };
  if (key.poolId) return { allowed: false, status: 403, message: "Metrics cover every pool; use a key that is not restricted to one pool." };
  return { allowed: true };
}

/** The exposition text: this process's counters plus the fleet gauges (served even when the database is down). */
export async function metricsExposition(): Promise<{ contentType: string; body: string }> {
  const metrics = processMetrics();
  let fleetUp = 1;
  await refreshFleetGauges(metrics.fleet).catch(() => (fleetUp = 0));
  metrics.fleetUp.set(fleetUp);
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}

/** The node:http fast path (lib/server/web-server.ts) and the body of the worker's metrics listener. */
export async function metricsFastPath(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? "").split("?")[0];
  if (path !== METRICS_PATH) return false;
  const send = (status: number, headers: Record<string, string>, body: string) => {
    res.writeHead(status, { "cache-control": "no-store", "content-length": String(Buffer.byteLength(body)), ...headers });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const json = (status: number, code: string, message: string, extra: Record<string, string> = {}) =>
    send(status, { "content-type": "application/json", ...extra }, JSON.stringify({ error: { code, message } }));
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      json(405, "method_not_allowed", "Use GET.", { allow: "GET, HEAD" });
      return true;
    }
    const verdict = await authorizeMetricsRequest(req);
    if (!verdict.allowed) {
      const code = verdict.status === 401 ? "unauthorized" : "forbidden";
      json(verdict.status, code, verdict.message, verdict.status === 401 ? { "www-authenticate": 'Bearer realm="switchyard"' } : {});
      return true;
    }
    const { contentType, body } = await metricsExposition();
    send(200, { "content-type": contentType }, body);
  } catch (error) {
    console.error("metrics:", error instanceof Error ? error.message : error);
    json(500, "internal_server_error", "Internal server error.");
  }
  return true;
}

/**
 * A listener for /metrics alone (SWITCHYARD_METRICS_PORT): worker-only processes have no web
 * server, but their probe counters must be scraped too.
 */
export async function startMetricsServer(port: number, hostname: string): Promise<Server> {
  const server = createServer((req, res) => {
    void metricsFastPath(req, res).then((answered) => {
      if (answered) return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "Only /metrics is served here." } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => resolve());
  });
  return server;
}
