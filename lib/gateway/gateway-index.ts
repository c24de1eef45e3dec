import pg from "pg";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import { openSecret } from "@/lib/secrets/secret-box";
import { DEFAULT_STICKY_TTL_SECONDS, strategyOf, type Strategy } from "@/lib/pools/schema";
import { hash32 } from "./hashing";
import { isInRotation, NO_VERDICTS, RECENT_VERDICTS_SQL, ROTATION_WINDOW_SQL, type RecentVerdicts } from "@/lib/health/health-rule";
import { registerPgPool } from "@/lib/db/pg-pool-registry";

export const GATEWAY_CHANNEL = "switchyard_gateway";

/** A connection attempt to a hung database gives up after this (requests answer 503, never hang). */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * How long the gateway keeps serving from an index it cannot refresh (the database is away):
 * SWITCHYARD_GATEWAY_STALE_SECONDS, default 300. Past it, checkout answers 503: a node's health
 * and membership may have changed meanwhile, and nothing can tell.
 */
export function gatewayStaleLimitMs(): number {
  const seconds = Number(process.env.SWITCHYARD_GATEWAY_STALE_SECONDS ?? 300);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 300) * 1000;
}

/** One healthy node as the gateway hands it out. proxyUrl carries the clear-text credentials. */
export interface GatewayNode {
  id: string;
  /** hash32(id): the node's identity in rendezvous hashing. */
  hash: number;
  scheme: string;
  host: string;
  port: number;
  proxyUrl: string;
  tags: string[];
  weight: number;
  latencyMs: number | null;
  exitIp: string | null;
  /** Sequence number of the last hand-out on this instance (least_recently_used). */
  lastUsed: number;
}

export interface GatewayPool {
  id: string;
  name: string;
  strategy: Strategy;
  stickyTtlSeconds: number;
  /** Healthy nodes, ordered by id (every instance sees the same order). */
  nodes: GatewayNode[];
  /** Prefix sums of weights over nodes (weighted strategy). */
  cumulativeWeights: Float64Array;
  /** nodes sorted by mean latency, unknown last (lowest_latency). */
  byLatency: GatewayNode[];
  /** Round-robin cursor (per instance). */
  cursor: number;
}

interface NodeStats extends RecentVerdicts {
  latencyMs: number | null;
  exitIp: string | null;
}

/** Per node over the rotation window: what the health rule reads, mean ok latency, latest exit IP. */
const NODE_STATS_SQL = `
SELECT "nodeId"::text AS "nodeId",${RECENT_VERDICTS_SQL},
       avg("totalMs") FILTER (WHERE "faultClass" = 'ok') AS "latencyMs",
       (array_agg("exitIp" ORDER BY "startedAt" DESC) FILTER (WHERE "exitIp" IS NOT NULL))[1] AS "exitIp"
FROM "ProbeResult"
WHERE ${ROTATION_WINDOW_SQL}
GROUP BY "nodeId"`;

export interface GatewayIndexOptions {
  connectionString: string;
  /** Safety refresh even without notifications (default 30 s). */
  refreshMs?: number;
  /** How often probe-derived health/latency is re-read (default 15 s). */
  statsRefreshMs?: number;
  /** Called after every rebuild and when the key cache must be dropped. */
  onKeysChanged?: () => void;
  log?: (line: string) => void;
}

/**
 * The in-memory index of healthy nodes per pool that the checkout fast path answers from. Built
 * from PostgreSQL at start; rebuilt when a trigger NOTIFYs "switchyard_gateway" (node, pool,
 * membership, weight or settings changes; debounced), every refreshMs as a safety net, and with
 * fresh probe stats every statsRefreshMs. Several instances build identical indexes from the same
 * database (nodes ordered by id), which is what lets sticky sessions agree without coordination.
 */
export class GatewayIndex {
  private pools = new Map<string, GatewayPool>();
  private poolsByName = new Map<string, GatewayPool>();
  private stats = new Map<string, NodeStats>();
  private readonly db: pg.Pool;
  private listener: pg.Client | undefined;
  private timers: NodeJS.Timeout[] = [];
  private rebuildTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private rebuilding: Promise<void> | undefined;
  private rebuildAgain = false;
  private closed = false;
  /** Increments on every rebuild (sticky memo invalidation). */
  version = 0;
  sequence = 0;
  lastBuiltAt = 0;

  constructor(private readonly options: GatewayIndexOptions) {
    this.db = new pg.Pool({ connectionString: options.connectionString, max: 3, allowExitOnIdle: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    this.db.on("error", () => {});
    registerPgPool("gateway", this.db);
  }

  /** Whether the LISTEN connection is up (changes arrive at once); false while it reconnects. */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** The pool connection the gateway also uses for leases. */
  get pgPool(): pg.Pool {
    return this.db;
  }

  async start(): Promise<void> {
    await this.listen();
    await this.refreshStats();
    await this.rebuild();
    const refreshMs = this.options.refreshMs ?? 30_000;
    const statsMs = this.options.statsRefreshMs ?? 15_000;
    this.timers.push(setInterval(() => void this.rebuild().catch(this.logError), refreshMs).unref());
    this.timers.push(setInterval(() => void this.refreshStats().then(() => this.rebuild()).catch(this.logError), statsMs).unref());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.rebuildTimer);
    clearTimeout(this.reconnectTimer);
    await this.rebuilding?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    await this.db.end().catch(() => undefined);
  }

  private logError = (error: unknown) => {
    if (!this.closed) this.options.log?.(`gateway index: ${error instanceof Error ? error.message : String(error)}`);
  };

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (error) this.logError(error);
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
      // Until it is back, the periodic refresh keeps the index at most refreshMs stale.
      this.reconnectListener();
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      if (message.channel !== GATEWAY_CHANNEL) return;
      if (message.payload === "ApiKey") this.options.onKeysChanged?.();
      else this.scheduleRebuild();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${GATEWAY_CHANNEL}`);
    } catch (error) {
      lost = true;
      void client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
  }

  /**
   * Retries the LISTEN connection until it is back (1 s, doubling up to 10 s: a database outage
   * may last), then drops the key cache and rebuilds at once, because notifications sent while it
   * was away (a revoked key, a disabled node) were lost.
   */
  private reconnectListener(delayMs = 1_000): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen()
        .then(() => {
          this.options.log?.("gateway index: LISTEN connection back; rebuilding");
          this.options.onKeysChanged?.();
          return this.refreshStats().then(() => this.rebuild());
        })
        .catch((error) => {
          this.logError(error);
          if (!this.listener) this.reconnectListener(Math.min(delayMs * 2, 10_000));
        });
    }, delayMs).unref();
  }

  /** Debounced rebuild (a burst of changes costs one rebuild). */
  scheduleRebuild(delayMs = 50): void {
    if (this.closed || this.rebuildTimer) return;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = undefined;
      void this.rebuild().catch(this.logError);
    }, delayMs);
  }

  async refreshStats(): Promise<void> {
    const { rows } = await this.db.query<NodeStats & { nodeId: string }>(NODE_STATS_SQL);
    this.stats = new Map(rows.map(({ nodeId, ...stats }) => [nodeId, { ...stats, latencyMs: stats.latencyMs === null ? null : Number(stats.latencyMs) }]));
  }

  /** Rebuilds now; concurrent calls coalesce (one more rebuild runs after the current one). */
  rebuild(): Promise<void> {
    if (this.rebuilding) {
      this.rebuildAgain = true;
      return this.rebuilding;
    }
    this.rebuilding = (async () => {
      try {
        do {
          this.rebuildAgain = false;
          await this.build();
        } while (this.rebuildAgain && !this.closed);
      } finally {
        this.rebuilding = undefined;
      }
    })();
    return this.rebuilding;
  }

  private async build(): Promise<void> {
    const [pools, members] = await Promise.all([
      this.db.query<{ id: string; name: string; strategy: string | null; ttl: number | null }>(
        `SELECT p.id::text, p.name, s.strategy, s."stickyTtlSeconds" AS ttl FROM "Pool" p LEFT JOIN "PoolGatewaySettings" s ON s."poolId" = p.id`,
      ),
      this.db.query<{ poolId: string; id: string; scheme: string; host: string; port: number; username: string; passwordSealed: string | null; tags: string[]; state: string; weight: number | null }>(
        `SELECT m."poolId"::text AS "poolId", n.id::text, n.scheme::text, n.host, n.port, n.username, n."passwordSealed", n.tags, n.state::text, w.weight
         FROM "PoolMembership" m JOIN "ProxyNode" n ON n.id = m."nodeId"
         LEFT JOIN "PoolNodeWeight" w ON w."poolId" = m."poolId" AND w."nodeId" = m."nodeId"
         WHERE n.state = 'ENABLED' ORDER BY n.id`,
      ),
    ]);
    const previous = this.pools;
    const lastUsed = new Map<string, number>();
    for (const pool of previous.values()) for (const node of pool.nodes) lastUsed.set(`${pool.id}/${node.id}`, node.lastUsed);
    const urls = new Map<string, string>();
    const next = new Map<string, GatewayPool>();
    for (const row of pools.rows) {
      const strategy = strategyOf(row.strategy);
      next.set(row.id, {
        id: row.id,
        name: row.name,
        strategy,
        stickyTtlSeconds: row.ttl ?? DEFAULT_STICKY_TTL_SECONDS,
        nodes: [],
        cumulativeWeights: new Float64Array(0),
        byLatency: [],
        cursor: previous.get(row.id)?.cursor ?? 0,
      });
    }
    for (const row of members.rows) {
      const pool = next.get(row.poolId);
      if (!pool) continue;
      const stats = this.stats.get(row.id);
      if (!isInRotation(row.state, stats ?? NO_VERDICTS)) continue;
      let proxyUrl = urls.get(row.id);
      if (proxyUrl === undefined) {
        try {
          proxyUrl = buildProxyUrl(row);
        } catch {
          continue; // a password sealed with another key cannot be handed out
        }
        urls.set(row.id, proxyUrl);
      }
      pool.nodes.push({
        id: row.id,
        hash: hash32(row.id),
        scheme: row.scheme,
        host: row.host,
        port: row.port,
        proxyUrl,
        tags: row.tags,
        weight: row.weight ?? 1,
        latencyMs: stats?.latencyMs ?? null,
        exitIp: stats?.exitIp ?? null,
        lastUsed: lastUsed.get(`${row.poolId}/${row.id}`) ?? 0,
      });
    }
    const byName = new Map<string, GatewayPool>();
    for (const pool of next.values()) {
      const cumulative = new Float64Array(pool.nodes.length);
      let sum = 0;
      pool.nodes.forEach((node, i) => (cumulative[i] = sum += node.weight));
      pool.cumulativeWeights = cumulative;
      pool.byLatency = [...pool.nodes].sort((a, b) => (a.latencyMs ?? Infinity) - (b.latencyMs ?? Infinity) || (a.id < b.id ? -1 : 1));
      byName.set(pool.name, pool);
    }
    this.pools = next;
    this.poolsByName = byName;
    this.version++;
    this.lastBuiltAt = Date.now();
  }

  /** A pool by id or by name. */
  pool(idOrName: string): GatewayPool | undefined {
    return this.pools.get(idOrName) ?? this.poolsByName.get(idOrName);
  }
}

function buildProxyUrl(node: { scheme: string; host: string; port: number; username: string; passwordSealed: string | null }): string {
  let credentials = "";
  if (node.username) {
    credentials = encodeURIComponent(node.username);
    if (node.passwordSealed) credentials += `:${encodeURIComponent(openSecret(node.passwordSealed))}`;
    credentials += "@";
  }
  return `${node.scheme}://${credentials}${formatHostPort(node.host, node.port)}`;
}
