import client from "prom-client";
import { prisma } from "@/lib/db/prisma";
import { cappedPoolNames, NO_POOL_LABEL } from "./pool-labels";

/**
 * Fleet-wide figures read from the database at scrape time (the same on every instance: aggregate
 * them with max(), not sum()). Cached for a few seconds so several scrapers cost one round of queries.
 */
export interface FleetGauges {
  nodes: client.Gauge<"pool" | "state" | "health">;
  schedulerDue: client.Gauge;
  schedulerLag: client.Gauge;
  schedulerLeased: client.Gauge;
  rollupLag: client.Gauge<"rollup">;
  dbConnections: client.Gauge<"state">;
  dbMaxConnections: client.Gauge;
  nodeFailures: client.Gauge<"node" | "node_id">;
}

const CACHE_MS = 5_000;

export function createFleetGauges(registry: client.Registry): FleetGauges {
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new client.Gauge<L>({ name, help, labelNames, registers: [registry] });
  return {
    nodes: gauge("switchyard_nodes", "Nodes by pool, operator state (ENABLED/DRAINING/DISABLED) and automatic health state.", ["pool", "state", "health"]),
    schedulerDue: gauge("switchyard_scheduler_due_nodes", "Nodes whose scheduled probe is due and not claimed by any worker (the probe queue depth)."),
    schedulerLag: gauge("switchyard_scheduler_lag_seconds", "How long the oldest due, unclaimed node has been waiting past its due time (0 when none)."),
    schedulerLeased: gauge("switchyard_scheduler_leased_nodes", "Nodes currently claimed (leased) by a worker for probing."),
    rollupLag: gauge("switchyard_rollup_lag_seconds", "Age of each rollup's watermark: raw results newer than this are not folded yet.", ["rollup"]),
    dbConnections: gauge("switchyard_db_connections", "Server-side connections to this database by state (pg_stat_activity), all instances together.", ["state"]),
    dbMaxConnections: gauge("switchyard_db_max_connections", "The server's max_connections."),
    nodeFailures: gauge(
      "switchyard_node_failures_15m",
      "Failed results in the last 15 min of the SWITCHYARD_METRICS_TOP_NODES worst nodes (default 0: no per-node series).",
      ["node", "node_id"],
    ),
  };
}

/** How many worst nodes get a per-node series (bounded; per-node figures live in the app and the API). */
export function topNodeLabels(): number {
  const configured = Number(process.env.SWITCHYARD_METRICS_TOP_NODES ?? 0);
  return Number.isInteger(configured) && configured >= 0 ? Math.min(configured, 1_000) : 0;
}

let lastRefresh = 0;
let refreshing: Promise<void> | undefined;

/** Reads the fleet figures into the gauges (at most once per 5 s; concurrent scrapes share one read). */
export function refreshFleetGauges(gauges: FleetGauges, options: { force?: boolean } = {}): Promise<void> {
  if (!options.force && Date.now() - lastRefresh < CACHE_MS) return Promise.resolve();
  refreshing ??= read(gauges).finally(() => {
    lastRefresh = Date.now();
    refreshing = undefined;
  });
  return refreshing;
}

async function read(gauges: FleetGauges): Promise<void> {
  const topN = topNodeLabels();
  const [pools, nodeRows, [scheduler], watermarks, connections, [max], worst] = await Promise.all([
    prisma.pool.findMany({ select: { id: true, name: true } }),
    prisma.$queryRaw<{ poolId: string | null; state: string; health: string; count: bigint }[]>`
      SELECT m."poolId", n."state"::text AS "state", coalesce(h."state", 'healthy') AS "health", count(*) AS "count"
      FROM "ProxyNode" n
      LEFT JOIN "PoolMembership" m ON m."nodeId" = n."id"
      LEFT JOIN "NodeHealth" h ON h."nodeId" = n."id"
      GROUP BY 1, 2, 3`,
    prisma.$queryRaw<{ due: bigint; leased: bigint; lagSeconds: number | null }[]>`
      SELECT count(*) FILTER (WHERE l."nextProbeAt" <= now() AND (l."leaseUntil" IS NULL OR l."leaseUntil" < now())) AS "due",
             count(*) FILTER (WHERE l."leaseUntil" >= now()) AS "leased",
             extract(epoch FROM now() - min(l."nextProbeAt") FILTER (WHERE l."nextProbeAt" <= now() AND (l."leaseUntil" IS NULL OR l."leaseUntil" < now())))::float8 AS "lagSeconds"
      FROM "NodeProbeLease" l JOIN "ProxyNode" n ON n."id" = l."nodeId" AND n."state" <> 'DISABLED'`,
    prisma.$queryRaw<{ name: string; lagSeconds: number }[]>`
      SELECT "name", extract(epoch FROM now() - "rolledUpTo")::float8 AS "lagSeconds" FROM "ProbeRollupWatermark"`,
    prisma.$queryRaw<{ state: string; count: bigint }[]>`
      SELECT coalesce("state", 'unknown') AS "state", count(*) AS "count" FROM pg_stat_activity WHERE "datname" = current_database() GROUP BY 1`,
    prisma.$queryRaw<{ max: number }[]>`SELECT current_setting('max_connections')::int AS "max"`,
    topN === 0
      ? Promise.resolve([])
      : prisma.$queryRaw<{ nodeId: string; host: string; port: number; failures: bigint }[]>`
          SELECT r."nodeId", n."host", n."port", sum(r."count") AS "failures"
          FROM "StatsRollupNode" r JOIN "ProxyNode" n ON n."id" = r."nodeId"
          WHERE r."grainMinutes" = 5 AND r."bucketStart" >= now() - interval '15 minutes' AND r."faultClass" <> 'ok'
          GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT ${topN}`,
  ]);

  const poolNames = cappedPoolNames(pools);
  const nodeCounts = new Map<string, { pool: string; state: string; health: string; count: number }>();
  for (const row of nodeRows) {
    const pool = row.poolId ? (poolNames.get(row.poolId) ?? NO_POOL_LABEL) : NO_POOL_LABEL;
    const key = `${pool}\u0000${row.state}\u0000${row.health}`;
    const entry = nodeCounts.get(key) ?? { pool, state: row.state, health: row.health, count: 0 };
    entry.count += Number(row.count);
    nodeCounts.set(key, entry);
  }
  // reset(): a pool or state that disappeared must not keep its last value.
  gauges.nodes.reset();
  for (const { pool, state, health, count } of nodeCounts.values()) gauges.nodes.set({ pool, state, health }, count);

  gauges.schedulerDue.set(Number(scheduler?.due ?? 0));
  gauges.schedulerLeased.set(Number(scheduler?.leased ?? 0));
  gauges.schedulerLag.set(Math.max(0, scheduler?.lagSeconds ?? 0));
  gauges.rollupLag.reset();
  for (const mark of watermarks) gauges.rollupLag.set({ rollup: mark.name }, Math.max(0, mark.lagSeconds));
  gauges.dbConnections.reset();
  for (const row of connections) gauges.dbConnections.set({ state: row.state }, Number(row.count));
  gauges.dbMaxConnections.set(max?.max ?? 0);
  gauges.nodeFailures.reset();
  for (const node of worst) gauges.nodeFailures.set({ node: `${node.host}:${node.port}`, node_id: node.nodeId }, Number(node.failures));
}
