// Regression tests for the holes of issue 12 (security) that the REST API exposed.
import { afterAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import "@/lib/api/routes";
import { api, testApiKey } from "@/lib/api/testing/api-client";
import { stopGateway } from "@/lib/gateway/gateway";

afterAll(() => stopGateway());

const unique = () => Math.random().toString(36).slice(2, 10);
const ip = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function newPool(key: string) {
  const res = await api("POST", "/api/v1/pools", { key, body: { name: `pool-${unique()}` } });
  expect(res.status).toBe(201);
  return res.json as { id: string; name: string };
}

const poolsOf = async (nodeId: string) =>
  (await prisma.poolMembership.findMany({ where: { nodeId }, select: { poolId: true } })).map((m) => m.poolId).sort();

describe("pool-restricted keys stay in their pool", () => {
  it("importing a duplicate of another pool's node reports it but never attaches it", async () => {
    const { key: writer } = await testApiKey("write");
    const poolA = await newPool(writer);
    const poolB = await newPool(writer);
    const host = ip();
    const imported = await api("POST", "/api/v1/nodes/import", { key: writer, body: { text: `${host}:3128:alice:secret`, poolId: poolB.id } });
    expect(imported.json).toMatchObject({ added: 1 });
    const node = await prisma.proxyNode.findFirstOrThrow({ where: { host } });
    const unpooledHost = ip();
    await api("POST", "/api/v1/nodes/import", { key: writer, body: { text: `${unpooledHost}:3128` } });
    const unpooled = await prisma.proxyNode.findFirstOrThrow({ where: { host: unpooledHost } });

    const { key: restricted } = await testApiKey("write", poolA.id);
    const fresh = ip();
    const report = await api("POST", "/api/v1/nodes/import", {
      key: restricted,
      body: { text: [`${host}:3128:alice:x`, `${unpooledHost}:3128`, `${fresh}:3128`].join("\n"), poolId: poolA.id },
    });
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({ added: 1, duplicate: 2 });
    expect(report.json.lines[0]).toMatchObject({ status: "duplicate", message: expect.stringMatching(/outside this key's pool/) });
    expect(await poolsOf(node.id)).toEqual([poolB.id]);
    expect(await poolsOf(unpooled.id)).toEqual([]);
    // The new node did join the key's pool, and the foreign one stays out of reach.
    const created = await prisma.proxyNode.findFirstOrThrow({ where: { host: fresh } });
    expect(await poolsOf(created.id)).toEqual([poolA.id]);
    expect((await api("GET", `/api/v1/nodes/${node.id}`, { key: restricted })).status).toBe(403);
    // Without a pool in the body the key's own pool is implied: same rule.
    await api("POST", "/api/v1/nodes/import", { key: restricted, body: { text: `${host}:3128:alice:x` } });
    expect(await poolsOf(node.id)).toEqual([poolB.id]);
  });

  it("an unrestricted key's import still attaches duplicates to the chosen pool", async () => {
    const { key } = await testApiKey("write");
    const poolA = await newPool(key);
    const poolB = await newPool(key);
    const host = ip();
    await api("POST", "/api/v1/nodes/import", { key, body: { text: `${host}:3128`, poolId: poolB.id } });
    const again = await api("POST", "/api/v1/nodes/import", { key, body: { text: `${host}:3128`, poolId: poolA.id } });
    expect(again.json).toMatchObject({ duplicate: 1 });
    const node = await prisma.proxyNode.findFirstOrThrow({ where: { host } });
    expect(await poolsOf(node.id)).toEqual([poolA.id, poolB.id].sort());
  });

  it("members: a restricted key cannot add a node from another pool or from no pool", async () => {
    const { key: writer } = await testApiKey("write");
    const poolA = await newPool(writer);
    const poolB = await newPool(writer);
    const foreign = await api("POST", "/api/v1/nodes", { key: writer, body: { scheme: "http", host: ip(), port: 3128, poolIds: [poolB.id] } });
    const loose = await api("POST", "/api/v1/nodes", { key: writer, body: { scheme: "http", host: ip(), port: 3128 } });
    const { key: restricted } = await testApiKey("write", poolA.id);
    for (const id of [foreign.json.id, loose.json.id]) {
      const added = await api("POST", `/api/v1/pools/${poolA.id}/members`, { key: restricted, body: { add: [id] } });
      expect(added.status).toBe(403);
      const weighted = await api("POST", `/api/v1/pools/${poolA.id}/members`, { key: restricted, body: { weights: { [id]: 3 } } });
      expect(weighted.status).toBe(403);
    }
    expect(await poolsOf(foreign.json.id)).toEqual([poolB.id]);
    expect(await poolsOf(loose.json.id)).toEqual([]);
    // Its own nodes it may weight and remove.
    const own = await api("POST", "/api/v1/nodes", { key: restricted, body: { scheme: "http", host: ip(), port: 3128 } });
    expect(own.status).toBe(201);
    const weighted = await api("POST", `/api/v1/pools/${poolA.id}/members`, { key: restricted, body: { weights: { [own.json.id]: 2 } } });
    expect(weighted.json).toMatchObject({ weighted: 1 });
  });

  it("create: a duplicate of another pool's node is a 409 and changes no membership", async () => {
    const { key: writer } = await testApiKey("write");
    const poolA = await newPool(writer);
    const poolB = await newPool(writer);
    const host = ip();
    const first = await api("POST", "/api/v1/nodes", { key: writer, body: { scheme: "http", host, port: 3128, username: "bob", poolIds: [poolB.id] } });
    const { key: restricted } = await testApiKey("write", poolA.id);
    const dup = await api("POST", "/api/v1/nodes", { key: restricted, body: { scheme: "http", host, port: 3128, username: "bob" } });
    expect(dup.status).toBe(409);
    expect(await poolsOf(first.json.id)).toEqual([poolB.id]);
  });
});
