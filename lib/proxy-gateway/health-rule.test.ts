import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { evaluateHealth } from "@/lib/health/health-machine";
import { getThrough, proxyAuthorization, startGatewayFixture, type GatewayFixture } from "./testing/gateway-fixture";

// Real traffic through the forward-proxy gateway and the lab's proxies: the gateway, the checkout
// index behind it and automatic ejection judge nodes by the one health rule (lib/health/health-rule.ts).
let f: GatewayFixture;

beforeAll(async () => {
  f = await startGatewayFixture({
    proxies: [
      { name: "ok-a", kind: "http" },
      { name: "ok-b", kind: "http" },
      { name: "bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" } },
    ],
  });
});
afterAll(async () => f?.close());

/** A pool of some of the fixture's nodes, with its own gateway settings and an automatic-health policy. */
async function poolOf(names: string[]) {
  const pool = await prisma.pool.create({ data: { name: `rule-${Math.random().toString(36).slice(2, 8)}` } });
  const nodeIds = names.map((name) => f.nodeIds.get(name)!);
  await prisma.poolMembership.createMany({ data: nodeIds.map((nodeId) => ({ poolId: pool.id, nodeId })) });
  // Two attempts, target failures retried: the second node is the control request that settles who caused a 502.
  await prisma.poolProxyGatewaySettings.create({ data: { poolId: pool.id, maxAttempts: 2, retryTargetFailures: true } });
  await prisma.poolHealthPolicy.create({ data: { poolId: pool.id, maxConsecutiveFailures: 3, minSamples: 5, max502504Rate: 0.5 } });
  await f.gateway.index.rebuild();
  return { pool, nodeIds, auth: proxyAuthorization(`pool-${pool.name}`, f.key) };
}

async function inRotation(poolId: string): Promise<string[]> {
  await f.gateway.index.refreshStats();
  await f.gateway.index.rebuild();
  return (f.gateway.index.pool(poolId)?.nodes ?? []).map((node) => node.id).sort();
}

describe("the one health rule in the forward-proxy gateway", () => {
  it("a target-caused 502 burst leaves the nodes in rotation, uncooled and not ejected", async () => {
    const { pool, nodeIds, auth } = await poolOf(["ok-a", "ok-b"]);
    const url = `${f.lab.httpTarget.baseUrl}/status/502`;
    // The gateway re-reads pool settings in the background after a change: wait until it retries target failures.
    await expect.poll(async () => (await getThrough(f.port, url, auth)).headers["x-switchyard-attempts"], { timeout: 10_000 }).toBe("2");
    const since = new Date();
    for (let i = 0; i < 12; i++) {
      const answer = await getThrough(f.port, url, auth);
      expect([answer.status, answer.headers["x-switchyard-attempts"]]).toEqual([502, "2"]); // the target's own answer, relayed after one retry
    }
    await f.proxyGateway.recorder.flush();
    const rows = await prisma.probeResult.findMany({ where: { source: "gateway", nodeId: { in: nodeIds }, startedAt: { gte: since } }, select: { faultClass: true, faultOrigin: true } });
    expect(rows.length).toBe(24);
    expect(rows.every((row) => row.faultClass === "target_502")).toBe(true);
    // The control request put (at least) the first attempt of each request on the target; none on a node.
    expect(rows.filter((row) => row.faultOrigin === "target").length).toBeGreaterThanOrEqual(12);
    expect(rows.filter((row) => row.faultOrigin === "proxy" || row.faultOrigin === "network")).toEqual([]);

    for (const nodeId of nodeIds) expect(f.proxyGateway.isCoolingDown(nodeId)).toBe(false);
    expect(await inRotation(pool.id)).toEqual([...nodeIds].sort());
    expect(await evaluateHealth({ retest: async () => {}, poolIds: [pool.id] })).toEqual([]);
    expect((await prisma.proxyNode.findMany({ where: { id: { in: nodeIds } } })).map((node) => node.state)).toEqual(["ENABLED", "ENABLED"]);
  }, 60_000);

  it("a node-caused 502 burst cools the node down, takes it out of rotation and gets it ejected", async () => {
    const { pool, nodeIds, auth } = await poolOf(["bad-gateway"]);
    for (let i = 0; i < 4; i++) {
      const answer = await getThrough(f.port, `${f.lab.httpTarget.baseUrl}/ok`, auth);
      expect(answer.headers["x-switchyard-error"]).toMatch(/^proxy_502; node=/);
    }
    await f.proxyGateway.recorder.flush();
    const rows = await prisma.probeResult.findMany({ where: { source: "gateway", nodeId: nodeIds[0] }, select: { faultOrigin: true } });
    expect(rows.length).toBe(4);
    expect(rows.every((row) => row.faultOrigin === "proxy")).toBe(true);

    expect(f.proxyGateway.isCoolingDown(nodeIds[0])).toBe(true);
    expect(await inRotation(pool.id)).toEqual([]);
    const [ejection] = await evaluateHealth({ retest: async () => {}, poolIds: [pool.id] });
    expect(ejection).toMatchObject({ nodeId: nodeIds[0], to: "ejected" });
  }, 60_000);
});
