import client from "prom-client";
import { registeredPgPools } from "@/lib/db/pg-pool-registry";
import { createFleetGauges, type FleetGauges } from "./fleet-gauges";
import { poolLabelOfPool, poolLabelsOfNodes } from "./pool-labels";

/**
 * The process's Prometheus registry and instruments. Counters and histograms are per process
 * (Prometheus adds `instance` per scrape target and sums across them); fleet-wide gauges are read
 * from the database at scrape time (fleet-gauges.ts). Kept on globalThis: Next.js bundles route
 * code separately from the worker's modules, and both must count into one registry.
 */
export interface ProcessMetrics {
  registry: client.Registry;
  results: client.Counter<"source" | "pool" | "fault_class" | "origin" | "bucket" | "status">;
  resultDuration: client.Histogram<"source" | "pool" | "bucket">;
  gatewayRequests: client.Counter<"kind" | "pool" | "status">;
  dbPool: client.Gauge<"pool" | "state">;
  fleet: FleetGauges;
  /** 1 when the last fleet read from the database worked. */
  fleetUp: client.Gauge;
}

/** The shape of a stored result that metrics need (lib/probe's ProbeAttempt has it). */
export interface ResultForMetrics {
  nodeId: string;
  faultClass: string;
  /** Who was to blame (ProbeResult.faultOrigin); exported as the "origin" label. */
  faultOrigin: string;
  bucket: string;
  status: number | null;
  totalMs: number;
}

const LATENCY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

const globalForMetrics = globalThis as unknown as { switchyardMetrics?: ProcessMetrics };

export function processMetrics(): ProcessMetrics {
  if (globalForMetrics.switchyardMetrics) return globalForMetrics.switchyardMetrics;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const metrics: ProcessMetrics = {
    registry,
    results: new client.Counter({
      name: "switchyard_results_total",
      help: "Stored results (probe: our checks; caller: reported through the API) by pool, fault class, origin, breakdown bucket and HTTP status class.",
      labelNames: ["source", "pool", "fault_class", "origin", "bucket", "status"],
      registers: [registry],
    }),
    resultDuration: new client.Histogram({
      name: "switchyard_result_duration_seconds",
      help: "Total time of each stored result by pool and breakdown bucket.",
      labelNames: ["source", "pool", "bucket"],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers: [registry],
    }),
    gatewayRequests: new client.Counter({
      name: "switchyard_gateway_requests_total",
      help: "Checkout and lease requests answered by this instance's gateway, by pool and HTTP status.",
      labelNames: ["kind", "pool", "status"],
      registers: [registry],
    }),
    dbPool: new client.Gauge({
      name: "switchyard_db_pool_connections",
      help: "This process's PostgreSQL connection pools: open (total), idle, and requests waiting for a connection.",
      labelNames: ["pool", "state"],
      registers: [registry],
      collect() {
        for (const [name, pool] of registeredPgPools()) {
          this.set({ pool: name, state: "total" }, pool.totalCount);
          this.set({ pool: name, state: "idle" }, pool.idleCount);
          this.set({ pool: name, state: "waiting" }, pool.waitingCount);
        }
      },
    }),
    fleet: createFleetGauges(registry),
    fleetUp: new client.Gauge({ name: "switchyard_fleet_gauges_up", help: "1 when the fleet gauges could be read from the database at this scrape.", registers: [registry] }),
  };
  return (globalForMetrics.switchyardMetrics = metrics);
}

/** 502 and 504 keep their own value (the product is about them); other codes collapse to their class. */
export function statusLabel(status: number | null): string {
  if (status === null) return "none";
  if (status === 502 || status === 504) return String(status);
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx`;
  return "other";
}

/** Counts stored results; a node in several pools counts once in each. Never throws. */
export async function recordResults(results: readonly ResultForMetrics[], source: string): Promise<void> {
  if (results.length === 0) return;
  try {
    const poolsOf = await poolLabelsOfNodes();
    const { results: counter, resultDuration } = processMetrics();
    for (const result of results) {
      for (const pool of poolsOf(result.nodeId)) {
        counter.inc({ source, pool, fault_class: result.faultClass, origin: result.faultOrigin, bucket: result.bucket, status: statusLabel(result.status) });
        resultDuration.observe({ source, pool, bucket: result.bucket }, result.totalMs / 1000);
      }
    }
  } catch {
    // Metrics must never fail a write; a missed increment shows as a gap, not an error.
  }
}

/** Counts one gateway answer; poolId is null when the request failed before a pool was resolved. */
export async function recordGatewayRequest(kind: string, poolId: string | null, status: number): Promise<void> {
  try {
    const pool = poolId ? await poolLabelOfPool(poolId) : "_unresolved";
    processMetrics().gatewayRequests.inc({ kind, pool, status: String(status) });
  } catch {
    // as above
  }
}
