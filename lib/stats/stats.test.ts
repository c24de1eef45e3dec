// The suite runs in a non-UTC zone on purpose, and repeats the checks through a session whose
// PostgreSQL TimeZone is a half-hour zone: buckets must not move with either.
process.env.TZ = "America/Los_Angeles";

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { histogramIndex, percentileFromHistogram, toHistogram } from "./latency-histogram";
import { statsOverview } from "./overview";
import { rollUpStats } from "./rollup";
import { statsTimeSeries } from "./time-series";
import { topOffendingNodes } from "./top-nodes";
import { topOffendingTargets } from "./top-targets";
import { nodeHealthFigures } from "./node-health";
import { nodeHistory } from "./node-history";
import { nodeTargetHeatMap } from "./heat-map";
import { healthTableQuerySchema, listNodesByHealth } from "./node-table";
import { listResults } from "./result-list";
import { resultListQuerySchema } from "./result-list-schema";
import { resultsCsv } from "./results-csv";
import { operatorActions } from "./operator-actions";
import { statsQuerySchema } from "./windows";
import { api, testApiKey } from "@/lib/api/testing/api-client";

const sessionIn = (zone: string) =>
  new PrismaClient({ adapter: new PrismaPg({ connectionString: `${process.env.DATABASE_URL}?options=${encodeURIComponent(`-c TimeZone=${zone}`)}` }) });
const kolkata = sessionIn("Asia/Kolkata");
// West of UTC: a bound that PostgreSQL reads as session-local time lands hours in the future.
const losAngeles = sessionIn("America/Los_Angeles");

const poolId = randomUUID();
const nodeA = randomUUID(); // dead: proxy 502s
const nodeB = randomUUID(); // network 504s on one target
const nodeC = randomUUID(); // healthy
const target1 = randomUUID();
const target2 = randomUUID();
const now = new Date();

interface Row { node: string; target: string; minutesAgo: number; cls: string; bucket: string; origin: string; ms: number }
const rows: Row[] = [];
for (let m = 1; m <= 50; m++) {
  // Every fifth of node A's own 502s said the target refused (a Squid ERR_CONNECT_FAIL, say): the
  // same class, blamed on the target. Figures must follow the stored faultOrigin, not the class.
  rows.push({ node: nodeA, target: target1, minutesAgo: m, cls: "proxy_502", bucket: "502", origin: m % 5 === 0 ? "target" : "proxy", ms: 40 });
  rows.push({ node: nodeB, target: target1, minutesAgo: m, cls: "ok", bucket: "ok", origin: "none", ms: 100 });
  rows.push({ node: nodeB, target: target2, minutesAgo: m, cls: m % 2 ? "upstream_timeout" : "ok", bucket: m % 2 ? "504" : "ok", origin: m % 2 ? "network" : "none", ms: m % 2 ? 10_000 : 100 });
  rows.push({ node: nodeC, target: target2, minutesAgo: m, cls: m % 10 === 0 ? "target_502" : "ok", bucket: m % 10 === 0 ? "502" : "ok", origin: m % 10 === 0 ? "target" : "none", ms: 200 });
}

beforeAll(async () => {
  await prisma.pool.create({ data: { id: poolId, name: `stats-${poolId}` } });
  for (const [id, host] of [[nodeA, "10.9.0.1"], [nodeB, "10.9.0.2"], [nodeC, "10.9.0.3"]])
    await prisma.proxyNode.create({ data: { id, scheme: "http", host: `${host}-${poolId}`, port: 8080, pools: { create: [{ poolId }] } } });
  await prisma.probeTarget.create({ data: { id: target1, url: `http://t1-${poolId}.test/` } });
  await prisma.probeTarget.create({ data: { id: target2, url: `http://t2-${poolId}.test/` } });
  await prisma.probeResult.createMany({
    data: rows.map((r) => ({
      nodeId: r.node, targetId: r.target, startedAt: new Date(now.getTime() - r.minutesAgo * 60_000 + 1_000), totalMs: r.ms,
      faultClass: r.cls, bucket: r.bucket, faultOrigin: r.origin, reason: "test", exitIp: r.node === nodeC ? "203.0.113.9" : null,
    })),
  });
});

afterAll(async () => {
  await Promise.all([kolkata.$disconnect(), losAngeles.$disconnect()]);
});

function expectFigures(o: Awaited<ReturnType<typeof statsOverview>>) {
  expect(o.requests).toBe(200);
  expect(o.ok).toBe(25 + 50 + 45);
  expect(o.count502).toBe(55);
  expect(o.by502).toEqual({ proxy: 40, network: 0, target: 15, unknown: 0 });
  expect(o.count504).toBe(25);
  expect(o.by504).toEqual({ proxy: 0, network: 25, target: 0, unknown: 0 });
  expect(o.successRate).toBeCloseTo(120 / 200);
  // p95 of the mix: the 10 s timeouts are the top 12.5 %.
  expect(o.p95Ms!).toBeGreaterThan(8_000);
  expect(o.p95Ms!).toBeLessThan(12_000);
}

describe("latency histogram", () => {
  it("places latencies in log buckets and interpolates percentiles within ±13 %", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 5 + i * 3);
    const hist = toHistogram(null);
    for (const v of values) hist[histogramIndex(v)]++;
    const exact = values[Math.ceil(0.95 * values.length) - 1];
    expect(Math.abs(percentileFromHistogram(hist, 0.95)! - exact) / exact).toBeLessThan(0.13);
    expect(percentileFromHistogram(toHistogram(null), 0.5)).toBeNull();
  });
});

describe("stats queries", () => {
  it("answers from raw rows alone, then the same after a partial rollup, in any time zone", async () => {
    const before = await statsOverview({ window: "1h", poolId }, prisma, now);
    expectFigures(before);

    // Fold everything older than 20 minutes; the rest stays raw. Figures must not change.
    await rollUpStats(new Date(now.getTime() - 20 * 60_000));
    expectFigures(await statsOverview({ window: "1h", poolId }, prisma, now));
    expectFigures(await statsOverview({ window: "1h", poolId }, kolkata, now));
    await rollUpStats(new Date(now.getTime() - 20 * 60_000)); // idempotent
    expectFigures(await statsOverview({ window: "24h", poolId }, kolkata, now));

    const fifteen = await statsOverview({ window: "15m", poolId }, prisma, now);
    expect(fifteen.requests).toBeGreaterThanOrEqual(4 * 15);
    expect(fifteen.requests).toBeLessThanOrEqual(4 * 16);
  });

  it("a custom range counts only its own results, rolled up or raw, and its bounds are whitelisted", async () => {
    // Minute-aligned bounds, 30 → 10 minutes ago: rollup minutes and raw rows meet exactly at the edges.
    const minute = (m: number) => new Date(Math.floor((now.getTime() - m * 60_000) / 60_000) * 60_000);
    const [from, to] = [minute(30), minute(10)];
    const inRange = rows.filter((r) => {
      const t = now.getTime() - r.minutesAgo * 60_000 + 1_000;
      return t >= from.getTime() && t < to.getTime();
    });
    const range = { window: "1h" as const, poolId, from: from.toISOString(), to: to.toISOString() };
    for (const cut of [null, 20, 5]) {
      if (cut) await rollUpStats(new Date(now.getTime() - cut * 60_000)); // half of the range folded, then all of it
      const overview = await statsOverview(range, prisma, now);
      expect(overview.requests).toBe(inRange.length);
      expect(overview.count502).toBe(inRange.filter((r) => r.bucket === "502").length);
      expect(overview).toMatchObject({ from: from.toISOString(), to: to.toISOString() });
      const series = await statsTimeSeries(range, kolkata, now);
      expect(series.points.reduce((sum, p) => sum + p.total, 0)).toBe(inRange.length);
      expect(new Date(series.points.at(-1)!.t).getTime()).toBeLessThan(to.getTime());
    }
    // The whole hour is unchanged by the range machinery.
    expectFigures(await statsOverview({ window: "1h", poolId }, prisma, now));

    const bad = (query: Record<string, string>) => statsQuerySchema.safeParse(query).error?.issues.map((i) => [i.path.join("."), i.message]);
    expect(bad({ from: from.toISOString() })).toEqual([["to", "give both from and to, or neither"]]);
    expect(bad({ from: to.toISOString(), to: from.toISOString() })).toEqual([["to", "must be at least a minute after from"]]);
    expect(bad({ from: "2020-01-01T00:00:00Z", to: "2020-01-02T00:00:00Z" })).toEqual([["from", "is more than 7 days ago"]]);
    expect(statsQuerySchema.parse({ ...range, window: "1h" })).toMatchObject({ from: range.from, to: range.to });
  });

  it("time series sums to the overview and buckets on fixed epoch steps", async () => {
    for (const db of [prisma, kolkata]) {
      const series = await statsTimeSeries({ window: "1h", poolId }, db, now);
      expect(series.points.reduce((s, p) => s + p.total, 0)).toBe(200);
      for (const p of series.points) expect(new Date(p.t).getTime() % (series.stepSeconds * 1000)).toBe(0);
      expect(series.classes).toEqual(expect.arrayContaining(["ok", "proxy_502", "upstream_timeout", "target_502"]));
    }
  });

  it("ranks offending nodes and targets, and builds the node health columns", async () => {
    await rollUpStats(new Date(now.getTime() - 10 * 60_000));
    const nodes = await topOffendingNodes({ window: "1h", poolId }, 10, prisma, now);
    expect(nodes.map((n) => n.id)).toEqual([nodeA, nodeB, nodeC]);
    expect(nodes[0]).toMatchObject({ requests: 50, failures: 50, nodeFailures: 40, count502: 50 });
    expect(nodes[1]).toMatchObject({ requests: 100, failures: 25, count504: 25 });
    expect(nodes[2]).toMatchObject({ nodeFailures: 0, failures: 5 });

    const targets = await topOffendingTargets({ window: "1h", poolId }, 10, prisma, now);
    expect(targets.map((t) => [t.id, t.failures])).toEqual([[target1, 50], [target2, 30]]);

    const health = await nodeHealthFigures([nodeA, nodeB, nodeC], "1h", prisma, now);
    expect(health.get(nodeA)).toMatchObject({ requests: 50, successRate: 0, rate502: 1 });
    expect(health.get(nodeB)!.rate504).toBeCloseTo(0.25);
    expect(health.get(nodeC)!.exitIp).toBe("203.0.113.9");
    expect(health.get(nodeC)!.lastResult?.faultClass).toBe("ok");

    const history = await nodeHistory(nodeB, "1h", kolkata, now);
    expect(history.points.reduce((s, p) => s + p.total, 0)).toBe(100);
  });

  it("heat map tells a blocked pair from a dead node", async () => {
    const map = await nodeTargetHeatMap({ window: "1h", poolId }, 30, prisma, now);
    const a = map.nodes.findIndex((n) => n.name.startsWith("10.9.0.1"));
    const b = map.nodes.findIndex((n) => n.name.startsWith("10.9.0.2"));
    const t1 = map.targets.findIndex((t) => t.name.includes("t1-"));
    const t2 = map.targets.findIndex((t) => t.name.includes("t2-"));
    expect(map.cells[a][t1]).toMatchObject({ failureRate: 1, nodeFailures: 40 });
    expect(map.cells[b][t1]!.failureRate).toBe(0);
    expect(map.cells[b][t2]!.failureRate).toBe(0.5);
    // Worst first, and each cell names its dominant failure class.
    expect(map.nodes.map((n) => n.name.slice(0, 8))).toEqual(["10.9.0.1", "10.9.0.2", "10.9.0.3"]);
    expect(map.nodes.map((n) => n.failureRate)).toEqual([...map.nodes.map((n) => n.failureRate)].sort((x, y) => y - x));
    expect(map.targets[0].id).toBe(target1); // 50 of 100 failed vs 30 of 150
    expect(map.cells[a][t1]!.dominantClass).toBe("proxy_502");
    expect(map.cells[b][t2]!.dominantClass).toBe("upstream_timeout");
    expect(map.cells[b][t1]!.dominantClass).toBeNull();
  });
});

describe("one statistics pipeline", () => {
  it("GET /api/v1/stats and the overview give the same numbers for the same window; per node it matches the node page", async () => {
    await rollUpStats(new Date(now.getTime() - 20 * 60_000)); // a rolled-up part and a raw tail
    const { key } = await testApiKey("read");
    const overview = await statsOverview({ window: "1h", poolId });
    const fromApi = await api("GET", `/api/v1/stats?window=1h&poolId=${poolId}`, { key });
    expect(fromApi.status).toBe(200);
    expect(fromApi.json.total).toBe(overview.requests);
    expect(fromApi.json.byFaultClass).toEqual(overview.byClass);
    expect(fromApi.json.byBucket).toEqual({ ok: overview.ok, "502": overview.count502, "504": overview.count504, other_failure: overview.otherFailures });

    const perTarget = await api("GET", `/api/v1/stats?window=24h&poolId=${poolId}&targetId=${target2}`, { key });
    expect(perTarget.json.total).toBe(100);

    const nodePage = (await nodeHealthFigures([nodeB], "1h")).get(nodeB)!;
    const perNode = await api("GET", `/api/v1/stats?window=1h&nodeId=${nodeB}`, { key });
    expect(perNode.json.total).toBe(nodePage.requests);
    expect(perNode.json.total).toBe(100);
    expect(perNode.json.byBucket["504"]).toBe(25);
    const nodeAndTarget = await api("GET", `/api/v1/stats?window=24h&nodeId=${nodeB}&targetId=${target2}`, { key });
    expect(nodeAndTarget.json.byFaultClass).toEqual({ ok: 25, upstream_timeout: 25 });
  });
});

describe("nodes table by health", () => {
  it("sorts a filtered set by a health rate server-side and filters by health", async () => {
    const by502 = await listNodesByHealth(healthTableQuerySchema.parse({ poolId, sort: "rate502", direction: "desc" }));
    expect(by502.total).toBe(3);
    expect(by502.rows.map((r) => r.id)).toEqual([nodeA, nodeC, nodeB]); // 100 %, 10 %, 0 %
    expect(by502.rows[0].health?.rate502).toBe(1);
    const bySuccess = await listNodesByHealth(healthTableQuerySchema.parse({ poolId, sort: "successRate", direction: "asc", pageSize: "25" }));
    expect(bySuccess.rows[0].id).toBe(nodeA);
    const ejected = await listNodesByHealth(healthTableQuerySchema.parse({ poolId, health: "ejected" }));
    expect(ejected).toMatchObject({ total: 0, rows: [] });
    // "failing" = node- or network-caused failures: node C's only failures are the target's own 502s.
    const failing = await listNodesByHealth(healthTableQuerySchema.parse({ poolId, health: "failing" }));
    expect(failing.rows.map((r) => r.id).sort()).toEqual([nodeA, nodeB].sort());
  });
});

describe("node page and nodes table in any session time zone", () => {
  it("count the same hour, and read the last result's time right, in sessions east and west of UTC", async () => {
    await rollUpStats(new Date(now.getTime() - 20 * 60_000)); // a rolled-up part and a raw tail
    const lastOfC = new Date(now.getTime() - 60_000 + 1_000).toISOString();
    for (const db of [prisma, kolkata, losAngeles]) {
      const health = await nodeHealthFigures([nodeA, nodeB, nodeC], "1h", db, now);
      expect(health.get(nodeA)).toMatchObject({ requests: 50, successRate: 0, rate502: 1 });
      expect(health.get(nodeB)).toMatchObject({ requests: 100, rate504: 0.25 });
      expect(health.get(nodeC)).toMatchObject({ requests: 50, exitIp: "203.0.113.9", lastResult: { at: lastOfC, faultClass: "ok" } });

      const history = await nodeHistory(nodeB, "1h", db, now);
      expect(history.points.reduce((s, p) => s + p.total, 0)).toBe(100);
      for (const p of history.points) expect(new Date(p.t).getTime() % (history.stepSeconds * 1000)).toBe(0);
      expect(new Date(history.points.at(-1)!.t).getTime()).toBeLessThanOrEqual(now.getTime());

      const by502 = await listNodesByHealth(healthTableQuerySchema.parse({ poolId, sort: "rate502", direction: "desc" }), db);
      expect(by502.rows.map((r) => [r.id, r.health?.requests])).toEqual([[nodeA, 50], [nodeC, 50], [nodeB, 100]]);
      const failing = await listNodesByHealth(healthTableQuerySchema.parse({ poolId, health: "failing" }), db);
      expect(failing.rows.map((r) => r.id).sort()).toEqual([nodeA, nodeB].sort());
    }
  });
});

describe("results behind a figure", () => {
  it("lists raw results by pool, node, target, bucket, origin and class, pages by id, exports CSV", async () => {
    const q = (extra: Record<string, string>) => listResults(resultListQuerySchema.parse({ window: "1h", poolId, limit: "500", ...extra }), prisma, now);
    expect((await q({})).rows).toHaveLength(200);
    const proxy502 = await q({ bucket: "502", origin: "proxy" });
    expect(proxy502.rows).toHaveLength(40); // node A's 502s blamed on the proxy (every fifth is the target's)
    expect(new Set(proxy502.rows.map((r) => r.nodeId))).toEqual(new Set([nodeA]));
    const target502 = await q({ bucket: "502", origin: "target" });
    expect(target502.rows).toHaveLength(15); // node A's 10 re-attributed proxy_502s + node C's 5 target_502s
    expect(target502.rows.every((r) => r.origin === "target")).toBe(true);
    expect((await q({ nodeId: nodeB, targetId: target2, bucket: "failed" })).rows).toHaveLength(25);
    expect((await q({ faultClass: "upstream_timeout" })).rows.every((r) => r.origin === "network")).toBe(true);
    expect((await q({ nodeId: randomUUID() })).rows).toEqual([]);

    const first = await listResults(resultListQuerySchema.parse({ window: "1h", poolId, limit: "120" }), prisma, now);
    expect(first.rows).toHaveLength(120);
    const second = await listResults(resultListQuerySchema.parse({ window: "1h", poolId, limit: "120", before: first.nextBefore! }), prisma, now);
    expect(second.rows).toHaveLength(80);
    expect(second.nextBefore).toBeNull();
    expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(200);

    // A custom range: only the last 10 minutes (4 results a minute).
    const recent = await q({ from: new Date(now.getTime() - 10 * 60_000).toISOString(), to: now.toISOString() });
    expect(recent.rows.length).toBeGreaterThanOrEqual(36);
    expect(recent.rows.length).toBeLessThanOrEqual(44);

    const csv = resultsCsv(proxy502.rows.slice(0, 2));
    expect(csv.split("\r\n")[0]).toBe("startedAt,nodeName,nodeId,targetName,targetUrl,faultClass,bucket,origin,responder,status,totalMs,exitIp,reason,source,id");
    expect(csv.split("\r\n")[1]).toContain(",proxy_502,502,proxy,");
    expect(resultsCsv([{ ...proxy502.rows[0], reason: '=HYPERLINK("x"), "quoted"' }])).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
  });

  it("lists the results of one Test-now run: its nodes, its targets, its time", async () => {
    const run = await prisma.probeRun.create({
      data: { requestedBy: "test", nodeIds: [nodeA], targetIds: [target1], total: 5, status: "done", startedAt: new Date(now.getTime() - 10 * 60_000), finishedAt: new Date(now.getTime() - 5 * 60_000 - 1_000) },
    });
    const list = await listResults(resultListQuerySchema.parse({ runId: run.id, bucket: "failed" }), prisma, now);
    expect(list.rows).toHaveLength(5); // minutes 6–10 ago, one a minute
    expect(list.rows.every((r) => r.nodeId === nodeA && r.targetId === target1)).toBe(true);
    expect((await listResults(resultListQuerySchema.parse({ runId: randomUUID() }), prisma, now)).rows).toEqual([]);
  });

  it("refuses bad filters with the field and reason", () => {
    expect(resultListQuerySchema.safeParse({ bucket: "503" }).success).toBe(false);
    expect(resultListQuerySchema.safeParse({ from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" }).error?.issues[0].path).toEqual(["from"]);
    expect(resultListQuerySchema.safeParse({ before: "1; DROP TABLE" }).success).toBe(false);
  });
});

describe("operator actions for chart annotations", () => {
  it("lists state changes, rotations and policy edits in the window, for the pool's nodes only", async () => {
    const outsider = await prisma.proxyNode.create({ data: { scheme: "http", host: `10.9.0.9-${poolId}`, port: 8080, label: "outsider" } });
    await prisma.auditEvent.createMany({
      data: [
        { actor: "op@example.test", action: "node.disabled", subjectType: "node", subjectId: nodeA, nodeId: nodeA, reason: "502 storm", at: new Date(now.getTime() - 5 * 60_000) },
        { actor: "op@example.test", action: "pool.health_policy_saved", subjectType: "pool", subjectId: poolId, at: new Date(now.getTime() - 4 * 60_000) },
        { actor: "op@example.test", action: "node.rotation_failed", subjectType: "node", subjectId: nodeB, nodeId: nodeB, at: new Date(now.getTime() - 3 * 60_000) },
        { actor: "op@example.test", action: "node.password_revealed", subjectType: "node", subjectId: nodeA, nodeId: nodeA, at: new Date(now.getTime() - 2 * 60_000) },
        { actor: "op@example.test", action: "node.disabled", subjectType: "node", subjectId: outsider.id, nodeId: outsider.id, at: new Date(now.getTime() - 60_000) },
        { actor: "op@example.test", action: "node.enabled", subjectType: "node", subjectId: nodeC, nodeId: nodeC, at: new Date(now.getTime() - 3 * 3_600_000) },
      ],
    });
    const actions = await operatorActions({ window: "1h", poolId }, 50, prisma, now);
    expect(actions.map((a) => a.action)).toEqual(["node.rotation_failed", "pool.health_policy_saved", "node.disabled"]);
    expect(actions[2]).toMatchObject({ subject: `10.9.0.1-${poolId}:8080`, reason: "502 storm" });
    expect(actions[1].subject).toBe(`stats-${poolId}`);
    const everywhere = await operatorActions({ window: "1h" }, 50, prisma, now);
    expect(everywhere.map((a) => a.subject)).toContain("outsider");
  });
});
