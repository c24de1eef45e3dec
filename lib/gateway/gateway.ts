import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { scopeAtLeast, type ApiKeyScope } from "@/lib/auth/api-keys";
import { ApiError, databaseUnavailable, errorBody, toApiError } from "@/lib/http/api-errors";
import { incomingBody, parseWith, queryObject, readJsonBody } from "@/lib/http/request-parsing";
import { GatewayIndex, gatewayStaleLimitMs, type GatewayNode, type GatewayPool } from "./gateway-index";
import { ApiKeyCache } from "./key-cache";
import { claimNodeLease } from "./leases";
import { selectNodes } from "./select";
import { checkoutQuery, leaseBody, type CheckoutQuery, type checkoutResponse, type leaseResponse } from "./wire";
import { recordGatewayRequest } from "@/lib/metrics/metrics";

/** Who is calling: an API key (verified) — the fields the gateway needs. */
export interface GatewayCaller {
  id: string;
  scope: ApiKeyScope;
  poolId: string | null;
}

export interface GatewayOptions {
  connectionString: string;
  refreshMs?: number;
  statsRefreshMs?: number;
  /** Requests per key per second on this instance (default SWITCHYARD_GATEWAY_RATE_LIMIT or 50,000). */
  ratePerKeyPerSecond?: number;
  log?: (line: string) => void;
}

const CHECKOUT_PATH = /^\/api\/v1\/pools\/([^/?]+)\/proxy(?:\?|$)/;
const LEASE_PATH = /^\/api\/v1\/leases\/?(?:\?|$)/;
const MAX_LEASE_BODY = 64 * 1024;
const LEASE_CANDIDATES = 16;

function toProxy(node: GatewayNode) {
  return { nodeId: node.id, proxyUrl: node.proxyUrl, scheme: node.scheme, host: node.host, port: node.port, tags: node.tags };
}

/**
 * The checkout gateway: in-memory index + key cache + the hot endpoints. One per process
 * (getGateway); the node:http fast path and the Next.js fallback routes share it.
 */
export class Gateway {
  readonly index: GatewayIndex;
  readonly keys = new ApiKeyCache();
  private readonly rate = new Map<string, { second: number; count: number }>();
  private readonly ratePerSecond: number;

  constructor(options: GatewayOptions) {
    this.index = new GatewayIndex({ ...options, onKeysChanged: () => this.keys.clear() });
    this.ratePerSecond = options.ratePerKeyPerSecond ?? Number(process.env.SWITCHYARD_GATEWAY_RATE_LIMIT ?? 50_000);
  }

  start(): Promise<void> {
    return this.index.start();
  }

  close(): Promise<void> {
    return this.index.close();
  }

  private lastMissRebuild = 0;

  /** A pool by id or name; an unknown one triggers one rebuild (at most once a second) in case the index is behind. */
  private async resolvePool(caller: GatewayCaller, ref: string): Promise<GatewayPool> {
    let pool = this.index.pool(ref);
    if (!pool && Date.now() - this.lastMissRebuild > 1_000) {
      this.lastMissRebuild = Date.now();
      await this.index.rebuild();
      pool = this.index.pool(ref);
    }
    if (!pool) throw new ApiError("not_found", "No such pool.");
    if (caller.poolId && caller.poolId !== pool.id) throw new ApiError("forbidden", "This API key is restricted to another pool.");
    return pool;
  }

  async checkout(caller: GatewayCaller, poolRef: string, query: CheckoutQuery): Promise<z.infer<typeof checkoutResponse>> {
    // The index refreshes every few seconds; one this old means the database has been away for
    // longer than we are willing to hand out nodes whose health nobody can check.
    if (Date.now() - this.index.lastBuiltAt > gatewayStaleLimitMs()) throw databaseUnavailable();
    const pool = this.index.pool(poolRef) && !caller.poolId ? this.index.pool(poolRef)! : await this.resolvePool(caller, poolRef);
    const nodes = selectNodes(pool, {
      count: query.count,
      tag: query.tag,
      exclude: query.exclude?.length ? new Set(query.exclude) : undefined,
      excludeExitIp: query.excludeExitIp?.length ? new Set(query.excludeExitIp) : undefined,
      session: query.session,
      version: this.index.version,
      nextSequence: () => ++this.index.sequence,
    });
    return { poolId: pool.id, poolName: pool.name, strategy: pool.strategy, sticky: query.session !== undefined, proxies: nodes.map(toProxy) };
  }

  /**
   * A lease: a node held for this caller alone until it reports a result or the lease expires.
   * Candidates come from the pool's strategy; each is claimed atomically (leases.ts), so
   * instances never hand one node to two leases. An expired lease frees its node for the next claim.
   */
  async lease(caller: GatewayCaller, input: z.output<typeof leaseBody>): Promise<z.infer<typeof leaseResponse>> {
    const pool = await this.resolvePool(caller, input.pool);
    const candidates = selectNodes(pool, {
      count: LEASE_CANDIDATES,
      tag: input.tag,
      exclude: input.exclude?.length ? new Set(input.exclude) : undefined,
      version: this.index.version,
      nextSequence: () => ++this.index.sequence,
    });
    for (const node of candidates) {
      const claim = await claimNodeLease(this.index.pgPool, { nodeId: node.id, poolId: pool.id, apiKeyId: caller.id, ttlSeconds: input.ttlSeconds });
      if (claim) return { leaseId: claim.leaseId, poolId: pool.id, expiresAt: claim.expiresAt.toISOString(), proxy: toProxy(node) };
    }
    throw new ApiError("no_healthy_node", `Every healthy node of pool "${pool.name}" that was tried is leased; try again shortly.`, { poolId: pool.id, tried: candidates.length });
  }

  private async authenticate(req: IncomingMessage, scope: ApiKeyScope): Promise<GatewayCaller> {
    const header = req.headers.authorization;
    if (!header) throw new ApiError("unauthorized", "Send an API key: Authorization: Bearer sy_…", null, { "www-authenticate": 'Bearer realm="switchyard"' });
    const key = await this.keys.verify(header);
    if (!key) throw new ApiError("unauthorized", "The API key is invalid, revoked or expired.", null, { "www-authenticate": 'Bearer realm="switchyard"' });
    if (!scopeAtLeast(key.scope, scope)) throw new ApiError("forbidden", `This needs an API key with the ${scope} scope.`);
    const second = Math.floor(Date.now() / 1000);
    let bucket = this.rate.get(key.id);
    if (!bucket || bucket.second !== second) {
      if (this.rate.size > 10_000) this.rate.clear();
      bucket = { second, count: 0 };
      this.rate.set(key.id, bucket);
    }
    if (++bucket.count > this.ratePerSecond) throw new ApiError("rate_limit_exceeded", "Too many requests. Try again in 1 s.", { retryAfterSeconds: 1 }, { "retry-after": "1" });
    return key;
  }

  /** The node:http fast path (lib/server/web-server.ts): answers checkout and lease requests, passes on everything else. */
  readonly fastPath = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? "";
    if (!url.startsWith("/api/v1/")) return false;
    const checkout = req.method === "GET" ? CHECKOUT_PATH.exec(url) : null;
    const lease = !checkout && req.method === "POST" && LEASE_PATH.test(url);
    if (!checkout && !lease) return false;
    try {
      const caller = await this.authenticate(req, "read");
      if (checkout) {
        const queryStart = url.indexOf("?");
        const query: CheckoutQuery = queryStart >= 0 ? parseWith(checkoutQuery, queryObject(new URLSearchParams(url.slice(queryStart + 1))), "query") : { count: 1 };
        let poolRef: string;
        try {
          poolRef = decodeURIComponent(checkout[1]);
        } catch {
          throw new ApiError("not_found", "No such pool.");
        }
        const answer = await this.checkout(caller, poolRef, query);
        send(res, 200, answer);
        void recordGatewayRequest("checkout", answer.poolId, 200);
      } else {
        const answer = await this.lease(caller, parseWith(leaseBody, await readJsonBody(incomingBody(req), MAX_LEASE_BODY)));
        send(res, 201, answer);
        void recordGatewayRequest("lease", answer.poolId, 201);
      }
    } catch (error) {
      const apiError = toApiError(error);
      send(res, apiError.status, errorBody(apiError), apiError.headers);
      void recordGatewayRequest(checkout ? "checkout" : "lease", null, apiError.status);
    }
    return true;
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
  res.end(text);
}

const globalForGateway = globalThis as unknown as { switchyardGateway?: Promise<Gateway> };

/**
 * The process's gateway, started on first use (the web role starts it at boot, so the fast path
 * and the Next fallback routes share one index).
 */
export function getGateway(options?: Partial<GatewayOptions>): Promise<Gateway> {
  if (!globalForGateway.switchyardGateway) {
    const connectionString = options?.connectionString ?? process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL is not set");
    const gateway = new Gateway({ ...options, connectionString });
    globalForGateway.switchyardGateway = gateway.start().then(() => gateway);
    globalForGateway.switchyardGateway.catch(() => (globalForGateway.switchyardGateway = undefined));
  }
  return globalForGateway.switchyardGateway;
}

/** Stops the process's gateway (shutdown, tests). */
export async function stopGateway(): Promise<void> {
  const pending = globalForGateway.switchyardGateway;
  globalForGateway.switchyardGateway = undefined;
  await (await pending?.catch(() => undefined))?.close();
}
