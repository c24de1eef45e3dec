import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { ejectedNodes } from "./ejected-nodes";
import { gatewayTraffic } from "./gateway-traffic";
import { listResults } from "./result-list";
import { resultListQuerySchema } from "./result-list-schema";

// The overview's gateway panel: GatewayTrafficMinute summed per window and pool, the recent rate,
// final failures by class and origin; the pool's ejected nodes with their failed gateway attempts;
// and the results view's source filter its figures link to.

const poolId = randomUUID();
const otherPoolId = randomUUID();
const now = new Date();
const minute = (minutesAgo: number) => new Date(Math.floor(now.getTime() / 60_000) * 60_000 - minutesAgo * 60_000);
const [ejectedOld, ejectedNew, healthy, elsewhere] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const targetId = randomUUID();
// A session west of UTC: bounds read as session-local time would land hours in the future.
const losAngeles = new PrismaClient({
  adapter: new PrismaPg({ connectionString: `${process.env.DATABASE_URL}?options=${encodeURIComponent("-c TimeZone=America/Los_Angeles")}` }),
});
afterAll(() => losAngeles.$disconnect());

beforeAll(async () => {
  await prisma.pool.createMany({ data: [{ id: poolId, name: `gw-stats-${poolId}` }, { id: otherPoolId, name: `gw-stats-${otherPoolId}` }] });
  for (const [i, id] of [ejectedOld, ejectedNew, healthy, elsewhere].entries())
    await prisma.proxyNode.create({
      data: { id, scheme: "http", host: `10.77.${i}.1`, port: 20_000 + Math.floor(Math.random() * 40_000), label: i === 0 ? "old one" : "", pools: { create: [{ poolId: id === elsewhere ? otherPoolId : poolId }] } },
    });
  await prisma.nodeHealth.createMany({
    data: [
      { nodeId: ejectedOld, state: "ejected", reason: "3 node-caused failures in a row", changedAt: new Date(now.getTime() - 30 * 60_000), nextCheckAt: new Date(now.getTime() + 60_000) },
      { nodeId: ejectedNew, state: "ejected", reason: "502/504 rate 80 %", changedAt: new Date(now.getTime() - 60_000) },
      { nodeId: healthy, state: "healthy" },
      { nodeId: elsewhere, state: "ejected", reason: "other pool" },
    ],
  });
  await prisma.probeTarget.create({ data: { id: targetId, url: `http://gw-stats-${poolId}.test/` } });
  const result = (nodeId: string, source: string, faultClass: string, bucket: string, minutesAgo: number) => ({
    nodeId, targetId, source, faultClass, bucket, faultOrigin: bucket === "ok" ? "none" : "proxy", reason: "test", totalMs: 5, startedAt: new Date(now.getTime() - minutesAgo * 60_000),
  });
  await prisma.probeResult.createMany({
    data: [
      result(ejectedNew, "gateway", "proxy_502", "502", 2),
      result(ejectedNew, "gateway", "proxy_502", "502", 3),
      result(ejectedNew, "probe", "proxy_502", "502", 3), // a probe's failure: not the gateway's
      result(ejectedNew, "gateway", "proxy_502", "502", 120), // before the 1 h window
      result(ejectedOld, "gateway", "ok", "ok", 2),
      result(healthy, "gateway", "ok", "ok", 1),
      result(healthy, "caller", "ok", "ok", 1),
    ],
  });
  const row = (pool: string, minutesAgo: number, finalClass: string, origin: string, requests: number, attempts: number) => ({ poolId: pool, minute: minute(minutesAgo), finalClass, origin, requests, attempts });
  await prisma.gatewayTrafficMinute.createMany({
    data: [
      row(poolId, 0, "ok", "none", 100, 130),
      row(poolId, 2, "ok", "none", 200, 220),
      row(poolId, 2, "target_502", "target", 4, 4),
      row(poolId, 30, "ok", "none", 1_000, 1_000),
      row(poolId, 30, "deadline", "gateway", 2, 6),
      row(poolId, 30, "no_healthy_node", "gateway", 5, 0),
      row(poolId, 90, "ok", "none", 7_000, 7_700), // outside the 1 h window
      row(otherPoolId, 1, "ok", "none", 50, 60),
      row(otherPoolId, 1, "proxy_504", "proxy", 1, 3),
    ],
  });
});

describe("gateway traffic on the overview", () => {
  it("sums requests and attempts per window and pool, rates the last 5 minutes, lists final failures by class and origin", async () => {
    const t = await gatewayTraffic({ window: "1h", poolId }, undefined, now);
    // Retries: 30 + 20 (ok) + 4 (deadline); the 5 no_healthy_node requests tried no node and take none away.
    expect(t).toMatchObject({ requests: 1_311, attempts: 1_360, retries: 54, failures: 11, rateMinutes: 5 });
    expect(t.failuresByClass).toEqual([
      { finalClass: "no_healthy_node", origin: "gateway", requests: 5 },
      { finalClass: "target_502", origin: "target", requests: 4 },
      { finalClass: "deadline", origin: "gateway", requests: 2 },
    ]);
    // 304 requests since the start of the minute 5 minutes back.
    const seconds = (now.getTime() - minute(5).getTime()) / 1000;
    expect(t.requestsPerSecond).toBeCloseTo(304 / seconds, 6);

    const narrow = await gatewayTraffic({ window: "15m", poolId }, undefined, now);
    expect(narrow).toMatchObject({ requests: 304, attempts: 354, retries: 50, failures: 4 });
    const day = await gatewayTraffic({ window: "24h", poolId }, undefined, now);
    expect(day.requests).toBe(8_311);

    // All pools adds the other pool's; a pool without traffic is all zeros.
    const all = await gatewayTraffic({ window: "15m" }, undefined, now);
    expect(all.requests).toBeGreaterThanOrEqual(355);
    expect(all.failuresByClass).toEqual(expect.arrayContaining([{ finalClass: "proxy_504", origin: "proxy", requests: 1 }]));
    expect(await gatewayTraffic({ window: "1h", poolId: randomUUID() }, undefined, now)).toEqual({
      requests: 0, attempts: 0, retries: 0, failures: 0, requestsPerSecond: 0, rateMinutes: 5, failuresByClass: [],
    });
  });

  it("follows a custom range like the other panels: its minutes only, the rate over its last 5 minutes, in any session time zone", async () => {
    // 35 → 25 minutes ago holds only the rows 30 minutes back.
    const range = { window: "1h" as const, poolId, from: minute(35).toISOString(), to: minute(25).toISOString() };
    for (const db of [prisma, losAngeles]) {
      const t = await gatewayTraffic(range, db, now);
      expect(t).toMatchObject({ requests: 1_007, attempts: 1_006, retries: 4, failures: 7 }); // never attempts − requests (−1)
      expect(t.failuresByClass.map((r) => r.finalClass)).toEqual(["no_healthy_node", "deadline"]);
      expect(t.requestsPerSecond).toBeCloseTo(1_007 / 300, 6); // minutes 30..26 back
      // A range over the last 10 minutes counts what the 15-minute window counts.
      const recent = await gatewayTraffic({ window: "1h", poolId, from: minute(10).toISOString(), to: now.toISOString() }, db, now);
      expect(recent).toMatchObject({ requests: 304, attempts: 354 });
      expect(recent.requestsPerSecond).toBeCloseTo(304 / ((now.getTime() - minute(5).getTime()) / 1000), 6);
      // The ejected list is now's, its failed gateway attempts the range's: one 2 h back, none in the last 10 min before 1 h ago.
      const older = await ejectedNodes({ window: "1h", poolId, from: minute(150).toISOString(), to: minute(60).toISOString() }, 20, db, now);
      expect(older.nodes.map((n) => [n.id, n.gatewayFailures])).toEqual([[ejectedNew, 1], [ejectedOld, 0]]);
      expect(older.nodes[1].since).toBe(new Date(now.getTime() - 30 * 60_000).toISOString());
      expect((await ejectedNodes({ window: "1h", poolId }, 20, db, now)).nodes[0].gatewayFailures).toBe(2);
    }
  });

  it("lists the pool's ejected nodes newest first with their failed gateway attempts in the window", async () => {
    const list = await ejectedNodes({ window: "1h", poolId }, 20, undefined, now);
    expect(list.total).toBe(2);
    expect(list.nodes.map((n) => n.id)).toEqual([ejectedNew, ejectedOld]);
    expect(list.nodes[0]).toMatchObject({ reason: "502/504 rate 80 %", gatewayFailures: 2, nextCheckAt: null });
    expect(list.nodes[0].name).toMatch(/^http:\/\/10\.77\.1\.1:\d+$/);
    expect(list.nodes[1]).toMatchObject({ name: "old one", gatewayFailures: 0 });
    // Capped list, full count.
    expect(await ejectedNodes({ window: "1h", poolId }, 1, undefined, now)).toMatchObject({ total: 2, nodes: [{ id: ejectedNew }] });
    const everywhere = await ejectedNodes({ window: "1h" }, 500, undefined, now);
    expect(everywhere.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([ejectedNew, ejectedOld, elsewhere]));
    expect(everywhere.nodes.map((n) => n.id)).not.toContain(healthy);
  });

  it("the results view filters by source, and refuses an unknown one", async () => {
    const q = (source?: string) => listResults(resultListQuerySchema.parse({ window: "1h", poolId, source }), prisma, now);
    expect((await q()).rows).toHaveLength(6);
    const gateway = await q("gateway");
    expect(gateway.rows).toHaveLength(4);
    expect(gateway.rows.every((r) => r.source === "gateway")).toBe(true);
    expect((await q("probe")).rows.map((r) => r.source)).toEqual(["probe"]);
    expect((await q("caller")).rows.map((r) => r.source)).toEqual(["caller"]);
    const bad = resultListQuerySchema.safeParse({ source: "crawler" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(["source"]);
  });
});
