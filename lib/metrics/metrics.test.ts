import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { testApiKey } from "@/lib/api/testing/api-client";
import { insertProbeResults } from "@/lib/probe/result-writer";
import { defaultAttribution, FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import type { ProbeAttempt } from "@/lib/probe/probe-check";
import { metricsFastPath } from "./metrics-endpoint";
import { clearPoolLabelCache } from "./pool-labels";
import { processMetrics } from "./metrics";
import { parseExposition, sampleSum } from "./testing/parse-exposition";

let server: Server;
let base: string;
let poolName: string;
let pooledNode: string;
let loneNode: string;
let targetId: string;

function attempt(nodeId: string, faultClass: FaultClass, status: number | null, totalMs: number): ProbeAttempt {
  const { bucket } = FAULT_CLASSES[faultClass];
  return {
    nodeId, targetId, targetUrl: "http://127.0.0.1:9/", startedAt: new Date(), connectMs: 1, tlsMs: null, firstByteMs: 2, totalMs,
    status, bytes: 0, exitIp: null, faultClass, bucket, ...defaultAttribution(faultClass), reason: "test", errorDetail: null,
  };
}

async function scrape(headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/metrics`, { headers });
  return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
}

beforeAll(async () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  poolName = `metrics-${suffix}`;
  const pool = await prisma.pool.create({ data: { name: poolName } });
  const nodes = await Promise.all(
    [1, 2, 3].map((n) => prisma.proxyNode.create({ data: { scheme: "http", host: `127.0.${n}.${Math.floor(Math.random() * 250)}`, port: 40_000 + n, label: suffix } })),
  );
  pooledNode = nodes[0].id;
  loneNode = nodes[2].id;
  await prisma.poolMembership.createMany({ data: [nodes[0], nodes[1]].map((node) => ({ poolId: pool.id, nodeId: node.id })) });
  targetId = (await prisma.probeTarget.create({ data: { url: `http://127.0.0.1:9/metrics-${suffix}` } })).id;
  server = createServer((req, res) => void metricsFastPath(req, res).then((answered) => answered || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

afterEach(() => {
  delete process.env.SWITCHYARD_METRICS_ALLOW;
  delete process.env.SWITCHYARD_METRICS_MAX_POOLS;
});

describe("/metrics", () => {
  it("serves strict Prometheus text with result counters by pool, class, origin and status, histograms and fleet gauges", async () => {
    // The shared test database holds other files' pools; past the default cap (50, by name) this one would be "_other".
    process.env.SWITCHYARD_METRICS_MAX_POOLS = "100000";
    clearPoolLabelCache();
    await insertProbeResults([
      attempt(pooledNode, "ok", 200, 120),
      attempt(pooledNode, "ok", 200, 80),
      attempt(pooledNode, "proxy_502", 502, 30),
      attempt(pooledNode, "proxy_502", 502, 40),
      attempt(pooledNode, "upstream_timeout", null, 10_000),
      attempt(loneNode, "target_504", 504, 700),
    ]);
    await insertProbeResults([attempt(pooledNode, "target_502", 502, 50)], "caller");
    const { key } = await testApiKey("read");
    const answer = await scrape({ authorization: `Bearer ${key}` });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain("text/plain");
    expect(answer.contentType).toContain("version=0.0.4");
    const families = parseExposition(answer.text);

    expect(families.get("switchyard_results_total")?.type).toBe("counter");
    const results = (labels: Record<string, string>) => sampleSum(families, "switchyard_results_total", "switchyard_results_total", labels);
    expect(results({ pool: poolName, source: "probe", fault_class: "proxy_502", origin: "proxy", bucket: "502", status: "502" })).toBe(2);
    expect(results({ pool: poolName, source: "probe", fault_class: "ok", status: "2xx" })).toBe(2);
    expect(results({ pool: poolName, source: "probe", fault_class: "upstream_timeout", origin: "network", bucket: "504", status: "none" })).toBe(1);
    expect(results({ pool: poolName, source: "caller", fault_class: "target_502", origin: "unknown" })).toBe(1);
    // A node in no pool counts under "_none", never under a per-node label.
    expect(results({ pool: "_none", source: "probe", fault_class: "target_504", status: "504" })).toBe(1);

    const histogram = families.get("switchyard_result_duration_seconds");
    expect(histogram?.type).toBe("histogram");
    expect(sampleSum(families, "switchyard_result_duration_seconds", "switchyard_result_duration_seconds_count", { pool: poolName, source: "probe" })).toBe(5);
    expect(sampleSum(families, "switchyard_result_duration_seconds", "switchyard_result_duration_seconds_bucket", { pool: poolName, source: "probe", bucket: "ok", le: "0.1" })).toBe(1);
    expect(sampleSum(families, "switchyard_result_duration_seconds", "switchyard_result_duration_seconds_sum", { pool: poolName, source: "probe", bucket: "504" })).toBeCloseTo(10, 5);

    expect(sampleSum(families, "switchyard_nodes", "switchyard_nodes", { pool: poolName, state: "ENABLED", health: "healthy" })).toBe(2);
    for (const gauge of ["switchyard_scheduler_due_nodes", "switchyard_scheduler_lag_seconds", "switchyard_scheduler_leased_nodes", "switchyard_db_max_connections"]) {
      expect(families.get(gauge)?.type, gauge).toBe("gauge");
      expect(families.get(gauge)?.samples).toHaveLength(1);
    }
    expect(families.get("switchyard_rollup_lag_seconds")?.type).toBe("gauge");
    expect(sampleSum(families, "switchyard_db_connections", "switchyard_db_connections", {})).toBeGreaterThan(0);
    expect(sampleSum(families, "switchyard_db_pool_connections", "switchyard_db_pool_connections", { pool: "results", state: "total" })).toBeGreaterThanOrEqual(1);
    expect(sampleSum(families, "switchyard_fleet_gauges_up", "switchyard_fleet_gauges_up", {})).toBe(1);
    // Default: no per-node series at all.
    expect(families.get("switchyard_node_failures_15m")?.samples).toHaveLength(0);
    expect(families.get("process_cpu_seconds_total")?.type).toBe("counter");
  });

  it("caps the pool label: pools past SWITCHYARD_METRICS_MAX_POOLS count under _other", async () => {
    process.env.SWITCHYARD_METRICS_MAX_POOLS = "0";
    clearPoolLabelCache();
    await insertProbeResults([attempt(pooledNode, "proxy_504", 504, 15_000)]);
    clearPoolLabelCache();
    const families = parseExposition((await processMetrics().registry.metrics()));
    const otherPool = sampleSum(families, "switchyard_results_total", "switchyard_results_total", { pool: "_other", fault_class: "proxy_504" });
    expect(otherPool).toBe(1);
    for (const sample of families.get("switchyard_results_total")!.samples) expect(sample.labels.pool === poolName && sample.labels.fault_class === "proxy_504").toBe(false);
  });

  it("refuses without a key, with a bad or pool-restricted key, and admits allow-listed addresses", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: "Bearer sy_0000000000_nope" })).status).toBe(401);
    const pool = await prisma.pool.findUniqueOrThrow({ where: { name: poolName } });
    const restricted = await testApiKey("admin", pool.id);
    const refused = await scrape({ authorization: `Bearer ${restricted.key}` });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error.code).toBe("forbidden");

    process.env.SWITCHYARD_METRICS_ALLOW = "10.0.0.0/8, ::1";
    expect((await scrape()).status).toBe(401);
    process.env.SWITCHYARD_METRICS_ALLOW = "192.0.2.1,127.0.0.0/8";
    const allowed = await scrape();
    expect(allowed.status).toBe(200);
    parseExposition(allowed.text);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("the Grafana dashboard in grafana/ only queries metrics this registry exposes, with 502/504 by origin", async () => {
    const dashboard = JSON.parse(readFileSync("grafana/switchyard-dashboard.json", "utf8")) as { panels: { title: string; targets: { expr: string }[] }[] };
    const families = parseExposition(await processMetrics().registry.metrics());
    const known = new Set([...families.values()].flatMap((family) => [family.name, `${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`]));
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        for (const name of target.expr.match(/switchyard_[a-z0-9_]+/g) ?? []) expect(known.has(name), `${panel.title}: ${name}`).toBe(true);
      }
    }
    const byOrigin = dashboard.panels.filter((panel) => panel.targets.some((t) => t.expr.includes("sum by (origin)")));
    expect(byOrigin.map((panel) => panel.targets[0].expr)).toEqual([
      expect.stringContaining('bucket="502"'),
      expect.stringContaining('bucket="504"'),
    ]);
  });
});
