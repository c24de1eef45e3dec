import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { createTestUser } from "@/lib/auth/testing";
import { createApiKey } from "@/lib/auth/api-keys";
import { Gateway, type GatewayCaller } from "./gateway";
import { stickyEpoch } from "./select";
import type { Strategy } from "@/lib/pools/schema";

const caller: GatewayCaller = { id: "00000000-0000-4000-8000-000000000001", scope: "read", poolId: null };
const gateways: Gateway[] = [];
const newGateway = async () => {
  const gateway = new Gateway({ connectionString: process.env.DATABASE_URL!, refreshMs: 60_000 });
  await gateway.start();
  gateways.push(gateway);
  return gateway;
};
afterAll(async () => Promise.all(gateways.map((g) => g.close())));

async function poolWith(n: number, strategy: Strategy, weights?: (i: number) => number) {
  const pool = await prisma.pool.create({ data: { name: `gw-${Math.random().toString(36).slice(2)}` } });
  await prisma.poolGatewaySettings.create({ data: { poolId: pool.id, strategy } });
  const base = Math.floor(Math.random() * 200);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const node = await prisma.proxyNode.create({ data: { scheme: "http", host: `172.16.${base}.${i + 1}`, port: 3128 + Math.floor(Math.random() * 1000), tags: i % 2 ? ["odd"] : [] } });
    ids.push(node.id);
    await prisma.poolMembership.create({ data: { poolId: pool.id, nodeId: node.id } });
    if (weights) await prisma.poolNodeWeight.create({ data: { poolId: pool.id, nodeId: node.id, weight: weights(i) } });
  }
  return { pool, ids };
}

const tally = async (gateway: Gateway, poolId: string, times: number, query: Record<string, unknown> = {}) => {
  const counts = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const { proxies } = await gateway.checkout(caller, poolId, { count: 1, ...query });
    counts.set(proxies[0].nodeId, (counts.get(proxies[0].nodeId) ?? 0) + 1);
  }
  return counts;
};

describe("gateway strategies", () => {
  let gateway: Gateway;
  beforeAll(async () => void (gateway = await newGateway()));

  it("round_robin hands out every node equally, least_recently_used too", async () => {
    for (const strategy of ["round_robin", "least_recently_used"] as const) {
      const { pool } = await poolWith(5, strategy);
      await gateway.index.rebuild();
      const counts = await tally(gateway, pool.id, 50);
      expect([...counts.values()], strategy).toEqual([10, 10, 10, 10, 10]);
    }
  });

  it("random spreads, weighted follows weights, lowest_latency stays on the fastest", async () => {
    const random = await poolWith(4, "random");
    const weighted = await poolWith(2, "weighted", (i) => (i === 0 ? 9 : 1));
    const fast = await poolWith(6, "lowest_latency");
    const target = await prisma.probeTarget.create({ data: { url: `https://t-${Math.random()}.example/` } });
    await prisma.probeResult.createMany({
      data: fast.ids.map((nodeId, i) => ({ nodeId, targetId: target.id, startedAt: new Date(), totalMs: 100 * (i + 1), faultClass: "ok", bucket: "ok", faultOrigin: "none", reason: "ok" })),
    });
    await gateway.index.refreshStats();
    await gateway.index.rebuild();
    const r = await tally(gateway, random.pool.id, 400);
    expect(r.size).toBe(4);
    for (const n of r.values()) expect(n).toBeGreaterThan(50);
    const w = await tally(gateway, weighted.pool.id, 1000);
    expect(w.get(weighted.ids[0])!).toBeGreaterThan(820);
    const l = await tally(gateway, fast.pool.id, 300);
    expect([...l.keys()].sort()).toEqual(fast.ids.slice(0, 3).sort());
  });

  it("filters: tag and exclude; 503 when nothing healthy (disabled nodes and all-failing nodes are out)", async () => {
    const { pool, ids } = await poolWith(4, "round_robin");
    await gateway.index.rebuild();
    const odd = await tally(gateway, pool.id, 20, { tag: "odd", exclude: [ids[1]] });
    expect([...odd.keys()]).toEqual([ids[3]]);
    await prisma.proxyNode.updateMany({ where: { id: { in: ids.slice(0, 3) } }, data: { state: "DRAINING" } });
    const target = await prisma.probeTarget.create({ data: { url: `https://t-${Math.random()}.example/` } });
    await prisma.probeResult.createMany({
      data: [0, 1, 2].map((k) => ({ nodeId: ids[3], targetId: target.id, startedAt: new Date(Date.now() - k * 1000), totalMs: 5, faultClass: "proxy_502", bucket: "502", faultOrigin: "proxy", reason: "x" })),
    });
    await gateway.index.refreshStats();
    await gateway.index.rebuild();
    await expect(gateway.checkout(caller, pool.id, { count: 1 })).rejects.toMatchObject({ code: "no_healthy_node", status: 503 });
  });

  it("the one health rule: a target-caused 502 burst or blocks keep a node in rotation, node-caused 502s take it out", async () => {
    const { pool, ids } = await poolWith(3, "round_robin");
    const target = await prisma.probeTarget.create({ data: { url: `https://t-${Math.random()}.example/` } });
    const burst = (nodeId: string, faultClass: string, bucket: string, faultOrigin: string, source = "probe") =>
      Array.from({ length: 10 }, (_, k) => ({ nodeId, targetId: target.id, startedAt: new Date(Date.now() - k * 1000), totalMs: 5, faultClass, bucket, faultOrigin, reason: "x", source }));
    // The node before the burst answered fine: the burst is newest.
    const earlierOk = ids.map((nodeId) => ({ nodeId, targetId: target.id, startedAt: new Date(Date.now() - 60_000), totalMs: 5, faultClass: "ok", bucket: "ok", faultOrigin: "none", reason: "ok" }));
    await prisma.probeResult.createMany({
      data: [
        ...earlierOk,
        ...burst(ids[0], "target_502", "502", "target", "gateway"),
        ...burst(ids[1], "blocked", "other_failure", "target"),
        ...burst(ids[2], "proxy_502", "502", "proxy", "gateway"),
      ],
    });
    await gateway.index.refreshStats();
    await gateway.index.rebuild();
    const handedOut = await tally(gateway, pool.id, 10);
    expect([...handedOut.keys()].sort()).toEqual([ids[0], ids[1]].sort());
  });
});

describe("sticky sessions", () => {
  it("two gateway instances agree; removing a node moves only its sessions", async () => {
    const { pool, ids } = await poolWith(20, "random");
    // Sessions move on at staggered moments within the TTL; a week keeps that out of this test.
    await prisma.poolGatewaySettings.update({ where: { poolId: pool.id }, data: { stickyTtlSeconds: 7 * 86_400 } });
    const [a, b] = [await newGateway(), await newGateway()];
    const sessions = Array.from({ length: 500 }, (_, i) => `user-${i}`);
    const pick = async (g: Gateway, session: string) => (await g.checkout(caller, pool.id, { count: 1, session })).proxies[0].nodeId;
    const before = new Map<string, string>();
    for (const s of sessions) {
      const node = await pick(a, s);
      expect(await pick(b, s)).toBe(node);
      expect(await pick(a, s)).toBe(node);
      before.set(s, node);
    }
    expect(new Set(before.values()).size).toBeGreaterThan(15);
    const failed = ids[7];
    await prisma.proxyNode.update({ where: { id: failed }, data: { state: "DISABLED", stateReason: "test" } });
    await Promise.all([a.index.rebuild(), b.index.rebuild()]);
    for (const s of sessions) {
      const node = await pick(a, s);
      expect(await pick(b, s)).toBe(node);
      if (before.get(s) === failed) expect(node).not.toBe(failed);
      else expect(node).toBe(before.get(s));
    }
  });
});

describe("sticky TTL", () => {
  it("keeps a session's epoch for a whole TTL, then moves on, each session at its own moment", () => {
    const ttl = 600;
    const t0 = Date.UTC(2026, 10, 25);
    for (const session of ["a", "b", "c"]) {
      const epochs = Array.from({ length: 2 * ttl }, (_, second) => stickyEpoch(session, ttl, t0 + second * 1000));
      const changes = epochs.filter((epoch, i) => i > 0 && epoch !== epochs[i - 1]).length;
      expect(changes, session).toBe(2); // one epoch change per TTL, never more
    }
    const firstChange = (session: string) => Array.from({ length: ttl }, (_, s) => stickyEpoch(session, ttl, t0 + s * 1000)).findIndex((e, i, all) => i > 0 && e !== all[i - 1]);
    expect(new Set(["a", "b", "c", "d", "e"].map(firstChange)).size).toBeGreaterThan(1);
  });
});

describe("fast path over HTTP", () => {
  let gateway: Gateway;
  let server: Server;
  let base: string;
  let key: string;
  let poolId: string;
  beforeAll(async () => {
    gateway = await newGateway();
    const admin = await createTestUser("admin");
    key = (await createApiKey(admin.actor, { name: "fast", scope: "read" })).key;
    poolId = (await poolWith(10, "round_robin")).pool.id;
    await gateway.index.rebuild();
    server = createServer(async (req, res) => {
      if (!(await gateway.fastPath(req, res))) res.writeHead(404).end("next");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers checkout and leases, passes on other paths, 401 without a key, 422 on bad query", async () => {
    expect((await fetch(`${base}/api/v1/pools/${poolId}/proxy`)).status).toBe(401);
    expect(await (await fetch(`${base}/api/v1/nodes`)).text()).toBe("next");
    const auth = { authorization: `Bearer ${key}` };
    expect((await fetch(`${base}/api/v1/pools/${poolId}/proxy?count=0`, { headers: auth })).status).toBe(422);
    expect((await fetch(`${base}/api/v1/pools/${poolId}/proxy?bogus=1`, { headers: auth })).status).toBe(422);
    // fetch sends a string body as text/plain unless told otherwise: refused, not read as JSON.
    expect((await fetch(`${base}/api/v1/leases`, { method: "POST", headers: auth, body: JSON.stringify({ pool: poolId }) })).status).toBe(415);
    const lease = await fetch(`${base}/api/v1/leases`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ pool: poolId }) });
    expect(lease.status).toBe(201);
  });

  it("hundreds of concurrent checkouts lose nothing (round robin stays exact)", async () => {
    const auth = { authorization: `Bearer ${key}` };
    const answers = await Promise.all(Array.from({ length: 500 }, () => fetch(`${base}/api/v1/pools/${poolId}/proxy`, { headers: auth }).then((r) => r.json())));
    const counts = new Map<string, number>();
    for (const answer of answers) counts.set(answer.proxies[0].nodeId, (counts.get(answer.proxies[0].nodeId) ?? 0) + 1);
    expect([...counts.values()]).toEqual(Array(10).fill(50));
  });

  it("concurrent leases never share a node", async () => {
    const auth = { authorization: `Bearer ${key}` };
    // A pool of its own: no lease left by another test.
    const leasePool = (await poolWith(10, "round_robin")).pool.id;
    await gateway.index.rebuild();
    const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${base}/api/v1/leases`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ pool: leasePool, ttlSeconds: 30 }) })));
    const ok = await Promise.all(answers.filter((r) => r.status === 201).map((r) => r.json()));
    // 10 nodes: 10 leases, all distinct, and the other 2 callers are told there is none left.
    expect(ok.length).toBe(10);
    expect(new Set(ok.map((l) => l.proxy.nodeId)).size).toBe(10);
    expect(answers.filter((r) => r.status === 503).length).toBe(2);
  });
});
