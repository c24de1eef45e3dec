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

describe("caller-reported results", () => {
  async function nodeInPool() {
    const { key } = await testApiKey("write");
    const pool = await newPool(key);
    const node = await api("POST", "/api/v1/nodes", { key, body: { scheme: "http", host: ip(), port: 3128, poolIds: [pool.id] } });
    return { key, pool, nodeId: node.json.id as string };
  }

  it("POST /api/v1/results needs the write scope; a read key stores nothing", async () => {
    const { pool, nodeId } = await nodeInPool();
    const { key: reader } = await testApiKey("read");
    const before = await prisma.probeResult.count({ where: { nodeId } });
    const refused = await api("POST", "/api/v1/results", { key: reader, body: { results: [{ nodeId, target: "https://shop.example/", errorKind: "proxy_unreachable", latencyMs: 5 }] } });
    expect(refused.status).toBe(403);
    expect(await prisma.probeResult.count({ where: { nodeId } })).toBe(before);
    const { key: poolReader } = await testApiKey("read", pool.id);
    expect((await api("POST", "/api/v1/results", { key: poolReader, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 5 }] } })).status).toBe(403);
  });

  it("targets pass the UI's URL policy and exitIp must be an IP; refused reports store nothing", async () => {
    const { key, nodeId } = await nodeInPool();
    const saved = { private: process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS, allow: process.env.SWITCHYARD_TARGET_ALLOWLIST };
    try {
      delete process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS; // the default policy
      const marker = unique();
      const bad = [
        { target: `https://user:pw@shop.example/${marker}`, field: "results.0.target", message: /user name or password/ },
        { target: `http://169.254.169.254/latest/meta-data/${marker}`, field: "results.0.target", message: /not allowed as a target/ },
        { target: `http://10.1.2.3/${marker}`, field: "results.0.target", message: /not allowed as a target/ },
        { target: `ftp://shop.example/${marker}`, field: "results.0.target", message: /Only http and https/ },
      ];
      for (const { target, field, message } of bad) {
        const res = await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target, status: 200, latencyMs: 5 }] } });
        expect(res.status, target).toBe(422);
        expect(res.json.error.details.fields[field]).toMatch(message);
      }
      const exitIp = await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 5, exitIp: "<script>" }] } });
      expect(exitIp.status).toBe(422);
      expect(Object.keys(exitIp.json.error.details.fields)).toEqual(["results.0.exitIp"]);
      expect(await prisma.probeTarget.count({ where: { url: { contains: marker } } })).toBe(0);
      const ok = await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 5, exitIp: "2001:db8::7" }] } });
      expect(ok.json).toMatchObject({ stored: 1 });

      process.env.SWITCHYARD_TARGET_ALLOWLIST = "*.allowed.example";
      const outside = await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 5 }] } });
      expect(outside.status).toBe(422);
      const lease = await api("POST", `/api/v1/leases/00000000-0000-4000-8000-000000000000/result`, { key, body: { status: 200, latencyMs: 5, target: "http://169.254.169.254/" } });
      expect(lease.status).toBe(422);
    } finally {
      if (saved.private === undefined) delete process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS;
      else process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS = saved.private;
      if (saved.allow === undefined) delete process.env.SWITCHYARD_TARGET_ALLOWLIST;
      else process.env.SWITCHYARD_TARGET_ALLOWLIST = saved.allow;
    }
  });

  it("caller reports alone never take a node out of checkout; they can confirm a failing probe", async () => {
    const { key, pool, nodeId } = await nodeInPool();
    const { getGateway } = await import("@/lib/gateway/gateway");
    const { insertProbeResults } = await import("@/lib/probe/result-writer");
    const gateway = await getGateway();
    const checkedOut = async () => {
      await gateway.index.refreshStats();
      await gateway.index.rebuild();
      const res = await api("GET", `/api/v1/pools/${pool.id}/proxy`, { key });
      return res.status === 200 && res.json.proxies.some((p: { nodeId: string }) => p.nodeId === nodeId);
    };
    const report = (errorKind: string) => ({ nodeId, target: "https://shop.example/", errorKind, latencyMs: 5 });
    const reported = await api("POST", "/api/v1/results", { key, body: { results: [report("proxy_unreachable"), report("proxy_unreachable"), report("proxy_unreachable"), report("proxy_unreachable")] } });
    expect(reported.json).toMatchObject({ stored: 4 });
    expect(await checkedOut()).toBe(true);

    // One failing probe of our own, then two caller failures: confirmed, out at once.
    const target = await prisma.probeTarget.findUniqueOrThrow({ where: { url: "https://shop.example/" } });
    const probeFailure = (offsetMs: number) => ({
      nodeId, targetId: target.id, targetUrl: target.url, startedAt: new Date(Date.now() + offsetMs), connectMs: null, tlsMs: null, firstByteMs: null, totalMs: 5,
      status: null, bytes: 0, exitIp: null, faultClass: "proxy_unreachable" as const, bucket: "other_failure" as const, faultOrigin: "network" as const, responder: "none" as const, responderEvidence: "phase" as const, originEvidence: "phase" as const, phase: "connect" as const, reason: "test", errorDetail: null,
    });
    await insertProbeResults([probeFailure(0)], "probe");
    await new Promise((r) => setTimeout(r, 5));
    await api("POST", "/api/v1/results", { key, body: { results: [report("proxy_unreachable"), report("proxy_unreachable")] } });
    expect(await checkedOut()).toBe(false);

    // A caller's "ok" does not keep a node in rotation whose last three probes failed.
    await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 5 }] } });
    expect(await checkedOut()).toBe(true);
    await insertProbeResults([probeFailure(10), probeFailure(20)], "probe");
    await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 5 }] } });
    expect(await checkedOut()).toBe(false);
  });
});
