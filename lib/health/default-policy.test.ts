import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { createTestUser } from "@/lib/auth/testing";
import { createPool } from "@/lib/pools/mutations";
import { nodeHealthRules, poolHealthPolicy } from "./data";
import { evaluateHealth } from "./health-machine";
import { DEFAULT_HEALTH_POLICY } from "./schema";

const MIGRATION = path.join(import.meta.dirname, "../../prisma/migrations/20261130020000_default_health_policy/migration.sql");

async function nodeIn(poolId: string) {
  return prisma.proxyNode.create({ data: { scheme: "http", host: `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, port: 3128 + Math.floor(Math.random() * 1000), pools: { create: [{ poolId }] } } });
}

async function results(nodeId: string, classes: Array<[string, string]>) {
  const target = await prisma.probeTarget.create({ data: { url: `http://d-${randomUUID()}.test/` } });
  const t0 = Date.now() - 60_000;
  await prisma.probeResult.createMany({
    data: classes.map(([faultClass, faultOrigin], i) => ({ nodeId, targetId: target.id, startedAt: new Date(t0 + i * 100), totalMs: 5, faultClass, bucket: faultClass === "ok" ? "ok" : "502", faultOrigin, reason: "test" })),
  });
}

describe("default automatic-health policy", () => {
  it("is on for a new pool: 5 node-caused failures in a row eject, target-caused ones never do", async () => {
    expect(DEFAULT_HEALTH_POLICY).toMatchObject({ enabled: true, maxConsecutiveFailures: 5, max502504Rate: 0.5, windowMinutes: 5, minSamples: 10 });
    const admin = await createTestUser("admin");
    const created = await createPool(admin.actor, { name: `default-${randomUUID().slice(0, 8)}`, description: "" });
    if (!created.ok) throw new Error("pool not created");
    expect(await poolHealthPolicy(created.id)).toEqual({ ...DEFAULT_HEALTH_POLICY, saved: false });

    const [targetSide, nodeSide] = [await nodeIn(created.id), await nodeIn(created.id)];
    const rules = await nodeHealthRules([targetSide.id]);
    expect(rules.get(targetSide.id)).toMatchObject({ automatic: true, rule: expect.stringMatching(/^Ejected after 5 node-caused failures in a row, or a node-caused 502\/504 rate ≥ 50 % over 5 min with ≥ 10 results/) });

    await results(targetSide.id, Array(12).fill(["target_502", "target"]));
    await results(nodeSide.id, [...Array(4).fill(["proxy_502", "proxy"]), ["target_502", "target"], ["proxy_502", "proxy"]]);
    const transitions = await evaluateHealth({ retest: async () => {}, poolIds: [created.id] });
    expect(transitions).toEqual([expect.objectContaining({ nodeId: nodeSide.id, to: "ejected", reason: "5 node-caused failures in a row" })]);
    expect((await prisma.proxyNode.findUniqueOrThrow({ where: { id: targetSide.id } })).state).toBe("ENABLED");
  });

  it("the migration writes 'off' for pools that had no policy and leaves saved policies alone", async () => {
    const sql = readFileSync(MIGRATION, "utf8");
    // Inside a transaction that is rolled back: the other test files' pools are not touched.
    const outcome = await prisma
      .$transaction(async (tx) => {
        const legacy = await tx.pool.create({ data: { name: `legacy-${randomUUID().slice(0, 8)}` } });
        const tuned = await tx.pool.create({ data: { name: `tuned-${randomUUID().slice(0, 8)}` } });
        await tx.poolHealthPolicy.create({ data: { poolId: tuned.id, enabled: true, maxConsecutiveFailures: 9, minSamples: 40 } });
        const before = await tx.poolHealthPolicy.findUniqueOrThrow({ where: { poolId: tuned.id } });
        await tx.$executeRawUnsafe(sql);
        const after = await tx.poolHealthPolicy.findMany({ where: { poolId: { in: [legacy.id, tuned.id] } } });
        throw Object.assign(new Error("rollback"), { result: { legacy: legacy.id, before, after } });
      })
      .catch((error: { result?: { legacy: string; before: unknown; after: Array<{ poolId: string; enabled: boolean }> } }) => {
        if (!error.result) throw error;
        return error.result;
      });
    const legacyRow = outcome.after.find((row) => row.poolId === outcome.legacy);
    expect(legacyRow).toMatchObject({ enabled: false, maxConsecutiveFailures: 5 });
    expect(outcome.after.find((row) => row.poolId !== outcome.legacy)).toEqual(outcome.before);
  });

  it("a node whose pools all have automatic health off says so", async () => {
    const pool = await prisma.pool.create({ data: { name: `off-${randomUUID().slice(0, 8)}` } });
    await prisma.poolHealthPolicy.create({ data: { poolId: pool.id, enabled: false } });
    const node = await nodeIn(pool.id);
    const loose = await prisma.proxyNode.create({ data: { scheme: "http", host: `10.78.${Math.floor(Math.random() * 250)}.1`, port: 3128 } });
    const rules = await nodeHealthRules([node.id, loose.id]);
    expect(rules.get(node.id)).toEqual({ automatic: false, rule: expect.stringMatching(/off for all of its pools/) });
    expect(rules.get(loose.id)).toEqual({ automatic: false, rule: expect.stringMatching(/in no pool/) });
  });
});
