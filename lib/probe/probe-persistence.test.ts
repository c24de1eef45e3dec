import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { TARGET_PATHS } from "@/lib/lab/target-server";
import { bucketOf, defaultAttribution, type FaultClass } from "./fault-taxonomy";
import type { ProbeAttempt } from "./probe-check";
import { probeNodesOnDemand } from "./probe-on-demand";
import { claimDueNodes, releaseLeases, runProbeScheduler, slotPhaseMs } from "./probe-scheduler";
import { ProbeResultWriter } from "./result-writer";

// Test files share one database and run in parallel: every row here is tied to nodes, targets
// and pools this file made, and the rollup test uses timestamps in 2020 that nothing else writes.

let lab: FaultLab;
beforeAll(async () => {
  lab = await startFaultLab({ proxies: [{ name: "http-healthy", kind: "http" }] });
});
afterAll(() => lab?.close());

async function makeNodes(count: number, port: number, state: "ENABLED" | "DRAINING" | "DISABLED" = "ENABLED"): Promise<string[]> {
  const ids: string[] = [];
  const run = randomUUID().slice(0, 8);
  // Distinct usernames make distinct node rows that all point at one lab proxy (it ignores auth).
  for (let i = 0; i < count; i++) {
    const node = await prisma.proxyNode.create({ data: { scheme: "http", host: "127.0.0.1", port, username: `u-${run}-${i}`, state } });
    ids.push(node.id);
  }
  return ids;
}

async function makeTarget(url: string): Promise<string> {
  return (await prisma.probeTarget.create({ data: { url: `${url}${url.includes("?") ? "&" : "?"}t=${randomUUID()}` } })).id;
}

function attempt(nodeId: string, targetId: string, startedAt: Date, faultClass: FaultClass, totalMs = 10): ProbeAttempt {
  return {
    nodeId, targetId, targetUrl: "http://x/", startedAt, connectMs: 1, tlsMs: null, firstByteMs: 5, totalMs,
    status: faultClass === "ok" ? 200 : null, bytes: 12, exitIp: faultClass === "ok" ? "127.0.1.10" : null,
    faultClass, bucket: bucketOf(faultClass), ...defaultAttribution(faultClass, "phase"), phase: "headers", reason: `because ${faultClass}`, errorDetail: null,
  };
}

describe("batch writer", () => {
  it("keeps a batch that raced a partition being attached over its range (routed to the default partition, then refused)", async () => {
    const [nodeId] = await makeNodes(1, 1);
    const targetId = await makeTarget("http://127.0.0.1:1/ok");
    // An hour no partition covers (rows for it wait in the default partition) and no other file writes.
    const from = new Date(Date.UTC(2091, 0, 1, Math.floor(Math.random() * 24)));
    const to = new Date(from.getTime() + 3_600_000);
    const name = `ProbeResult_race_${randomUUID().slice(0, 8)}`;
    const attacher = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await attacher.connect();
    try {
      await attacher.query("BEGIN");
      await attacher.query(`CREATE TABLE "${name}" (LIKE "ProbeResult" INCLUDING DEFAULTS INCLUDING STORAGE)`);
      await attacher.query(`ALTER TABLE "ProbeResult" ATTACH PARTITION "${name}" FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
      // The insert routes its row by the partitions it knows (the default one), then waits for the attach's lock.
      const writing = new ProbeResultWriter({ batchSize: 1 }).add(attempt(nodeId, targetId, new Date(from.getTime() + 60_000), "ok"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await attacher.query("COMMIT");
      await writing;
      const [row] = await prisma.$queryRaw<{ partition: string }[]>`SELECT tableoid::regclass::text AS partition FROM "ProbeResult" WHERE "nodeId" = ${nodeId}::uuid`;
      expect(row?.partition.replaceAll('"', "")).toBe(name);
    } finally {
      await attacher.query("ROLLBACK").catch(() => undefined);
      await attacher.query(`ALTER TABLE "ProbeResult" DETACH PARTITION "${name}"`).catch(() => undefined);
      await attacher.query(`DROP TABLE IF EXISTS "${name}"`);
      await attacher.end();
    }
  });

  it("round-trips every field through the unnest insert", async () => {
    const [nodeId] = await makeNodes(1, 1);
    const targetId = await makeTarget("http://127.0.0.1:1/ok");
    const writer = new ProbeResultWriter({ batchSize: 2 });
    // Now, not a fixed past date: a result older than the rollup watermark (other test files roll
    // up this database) is filed at the watermark (lib/stats/late-results.test.ts).
    const startedAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 123);
    await writer.add({ ...attempt(nodeId, targetId, startedAt, "ok", 12.5), tlsMs: 3.5, exitIp: "127.0.1.10" });
    await writer.add(attempt(nodeId, targetId, startedAt, "proxy_502"));
    await writer.add({ ...attempt(nodeId, targetId, startedAt, "upstream_timeout"), errorDetail: "ETIMEDOUT: x" });
    await writer.flush();
    expect(writer.written).toBe(3);
    const rows = await prisma.probeResult.findMany({ where: { nodeId }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.faultClass)).toEqual(["ok", "proxy_502", "upstream_timeout"]);
    expect(rows[0]).toMatchObject({ targetId, status: 200, bytes: 12, exitIp: "127.0.1.10", bucket: "ok", faultOrigin: "none", responder: "target", responderEvidence: "phase", originEvidence: "phase", tlsMs: 3.5, totalMs: 12.5, source: "probe" });
    expect(rows[0].startedAt.toISOString()).toBe(startedAt.toISOString());
    expect(rows[1]).toMatchObject({ bucket: "502", faultOrigin: "proxy", responder: "proxy", status: null, exitIp: null });
    expect(rows[2]).toMatchObject({ bucket: "504", faultOrigin: "network", responder: "none", errorDetail: "ETIMEDOUT: x" });
  });
});

async function makePool(nodeIds: string[], targetIds: string[], intervalSeconds = 1): Promise<string> {
  const pool = await prisma.pool.create({ data: { name: `probe-test-${randomUUID()}` } });
  await prisma.poolMembership.createMany({ data: nodeIds.map((nodeId) => ({ poolId: pool.id, nodeId })) });
  await prisma.poolProbeSettings.create({
    data: { poolId: pool.id, intervalSeconds, targetIds, connectTimeoutMs: 500, firstByteTimeoutMs: 1_000, totalTimeoutMs: 2_000 },
  });
  return pool.id;
}

describe("scheduler leases", () => {
  it("gives concurrent claimers disjoint nodes and skips DISABLED ones", async () => {
    const enabled = await makeNodes(8, 3);
    const draining = await makeNodes(2, 3, "DRAINING");
    const disabled = await makeNodes(2, 3, "DISABLED");
    const poolId = await makePool([...enabled, ...draining, ...disabled], []);
    const [a, b] = await Promise.all([
      claimDueNodes({ owner: "a", limit: 6, leaseMs: 60_000, poolIds: [poolId] }),
      claimDueNodes({ owner: "b", limit: 6, leaseMs: 60_000, poolIds: [poolId] }),
    ]);
    const idsA = a.map((n) => n.id);
    const idsB = b.map((n) => n.id);
    expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    expect(new Set([...idsA, ...idsB])).toEqual(new Set([...enabled, ...draining]));
    // Leased: nobody else gets them until released.
    expect(await claimDueNodes({ owner: "c", limit: 20, leaseMs: 60_000, poolIds: [poolId] })).toEqual([]);
    const done = (nodes: { id: string }[]) => nodes.map((n) => ({ nodeId: n.id, delayMs: 60_000, periodMs: 60_000, phaseMs: slotPhaseMs(n.id, 60_000), failStreak: 0, completed: true }));
    await releaseLeases("a", done(a));
    await releaseLeases("b", done(b));
    const lease = await prisma.nodeProbeLease.findUnique({ where: { nodeId: enabled[0] } });
    expect(lease?.leaseOwner).toBeNull();
    expect(lease!.nextProbeAt.getTime()).toBeGreaterThan(Date.now() + 500);
  });

  it("spreads nodes that were due at once over one period, and keeps an on-time node exactly one period apart", async () => {
    const nodes = await makeNodes(200, 3);
    const poolId = await makePool(nodes, [], 60);
    const claimed = await claimDueNodes({ owner: "spread", limit: 500, leaseMs: 60_000, poolIds: [poolId] });
    expect(claimed).toHaveLength(200);
    const periodMs = 60_000;
    await releaseLeases("spread", claimed.map((n) => ({ nodeId: n.id, delayMs: periodMs, periodMs, phaseMs: slotPhaseMs(n.id, periodMs), failStreak: 0, completed: true })));
    const leases = await prisma.nodeProbeLease.findMany({ where: { nodeId: { in: nodes } } });
    const offsets = leases.map((l) => l.nextProbeAt.getTime() - l.claimedAt!.getTime());
    // Each lands on its own slot, between half a period and one and a half periods after the claim…
    for (const lease of leases) expect(((lease.nextProbeAt.getTime() % periodMs) + periodMs) % periodMs).toBe(slotPhaseMs(lease.nodeId, periodMs));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(periodMs / 2);
    expect(Math.max(...offsets)).toBeLessThan(periodMs * 1.5);
    // …and the 200 are spread over the period: no tenth of it holds more than twice its share.
    const perTenth = Array.from({ length: 10 }, (_, i) => offsets.filter((o) => o >= periodMs / 2 + (i * periodMs) / 10 && o < periodMs / 2 + ((i + 1) * periodMs) / 10).length);
    expect(Math.max(...perTenth)).toBeLessThanOrEqual(40);

    // On schedule: claimed 2 s after its slot, the next round is exactly one period after that slot.
    const [node] = nodes;
    const slot = leases.find((l) => l.nodeId === node)!.nextProbeAt.getTime();
    await prisma.nodeProbeLease.update({ where: { nodeId: node }, data: { leaseOwner: "spread", leaseUntil: new Date(Date.now() + 60_000), claimedAt: new Date(slot + 2_000) } });
    await releaseLeases("spread", [{ nodeId: node, delayMs: periodMs, periodMs, phaseMs: slotPhaseMs(node, periodMs), failStreak: 0, completed: true }]);
    expect((await prisma.nodeProbeLease.findUnique({ where: { nodeId: node } }))!.nextProbeAt.getTime()).toBe(slot + periodMs);
  });

  it("two schedulers running together never probe the same node at the same time", async () => {
    const nodes = await makeNodes(6, lab.proxy("http-healthy").port);
    const disabled = await makeNodes(1, lab.proxy("http-healthy").port, "DISABLED");
    const draining = await makeNodes(1, lab.proxy("http-healthy").port, "DRAINING");
    const targetId = await makeTarget(`${lab.httpTarget.baseUrl}${TARGET_PATHS.slowHeaders}?ms=150`);
    const poolId = await makePool([...nodes, ...disabled, ...draining], [targetId], 1);

    const controller = new AbortController();
    const common = { signal: controller.signal, poolIds: [poolId], claimBatch: 2, idleMs: 50 };
    const stop = setTimeout(() => controller.abort(), 3_500);
    const [statsA, statsB] = await Promise.all([runProbeScheduler({ ...common, owner: "A" }), runProbeScheduler({ ...common, owner: "B" })]);
    clearTimeout(stop);
    expect(statsA.checks).toBeGreaterThan(0);
    expect(statsB.checks).toBeGreaterThan(0);

    const results = await prisma.probeResult.findMany({ where: { targetId }, orderBy: { startedAt: "asc" } });
    expect(results.length).toBe(statsA.checks + statsB.checks);
    expect(results.every((r) => r.faultClass === "ok")).toBe(true);
    expect(results.some((r) => r.nodeId === disabled[0])).toBe(false);
    expect(results.some((r) => r.nodeId === draining[0])).toBe(true);
    for (const nodeId of [...nodes, ...draining]) {
      const mine = results.filter((r) => r.nodeId === nodeId);
      expect(mine.length).toBeGreaterThanOrEqual(2); // interval 1 s over 3.5 s
      for (let i = 1; i < mine.length; i++) {
        const previousEnd = mine[i - 1].startedAt.getTime() + mine[i - 1].totalMs;
        expect(mine[i].startedAt.getTime()).toBeGreaterThanOrEqual(previousEnd - 1);
      }
    }
  });
});

describe("on-demand probing", () => {
  it("probes every node × target once, reports progress and persists the results", async () => {
    const nodes = await makeNodes(3, lab.proxy("http-healthy").port);
    const ok = await makeTarget(`${lab.httpTarget.baseUrl}${TARGET_PATHS.ok}`);
    const bad = await makeTarget(`${lab.httpTarget.baseUrl}${TARGET_PATHS.status}502`);
    const progress: number[] = [];
    const summary = await probeNodesOnDemand({
      nodeIds: nodes,
      targetIds: [ok, bad],
      timeouts: { connectMs: 500, firstByteMs: 1_000, totalMs: 2_000 },
      onProgress: (p) => progress.push(p.done),
    });
    expect(summary).toMatchObject({ done: 6, ok: 3, failed: 3, total: 6, cancelled: false });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    const rows = await prisma.probeResult.findMany({ where: { nodeId: { in: nodes } } });
    expect(rows.filter((r) => r.targetId === ok).map((r) => r.faultClass)).toEqual(["ok", "ok", "ok"]);
    expect(rows.filter((r) => r.targetId === bad).map((r) => r.faultClass)).toEqual(["target_502", "target_502", "target_502"]);
  });

  it("stops early when aborted", async () => {
    const nodes = await makeNodes(4, lab.proxy("http-healthy").port);
    const slow = await makeTarget(`${lab.httpTarget.baseUrl}${TARGET_PATHS.slowHeaders}?ms=1500`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const summary = await probeNodesOnDemand({ nodeIds: nodes, targetIds: [slow], signal: controller.signal, timeouts: { firstByteMs: 5_000, totalMs: 5_000 } });
    expect(summary.cancelled).toBe(true);
    expect(summary.done).toBe(0);
    expect(await prisma.probeResult.count({ where: { targetId: slow } })).toBe(0);
  });
});

describe("per-target timeouts", () => {
  it("a target's own first-byte timeout wins over the run's", async () => {
    const [node] = await makeNodes(1, lab.proxy("http-healthy").port);
    const slowUrl = `${lab.httpTarget.baseUrl}${TARGET_PATHS.slowHeaders}?ms=1500&t=${randomUUID()}`;
    const strict = await prisma.probeTarget.create({ data: { url: slowUrl, firstByteTimeoutMs: 300 } });
    const lenient = await prisma.probeTarget.create({ data: { url: `${slowUrl}&lenient=1` } });
    await probeNodesOnDemand({ nodeIds: [node], targetIds: [strict.id, lenient.id], timeouts: { firstByteMs: 5_000, totalMs: 5_000 } });
    const results = await prisma.probeResult.findMany({ where: { nodeId: node } });
    expect(results.find((r) => r.targetId === strict.id)?.faultClass).toBe("upstream_timeout");
    expect(results.find((r) => r.targetId === lenient.id)?.faultClass).toBe("ok");
  });
});

