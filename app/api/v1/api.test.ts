import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { revokeApiKey } from "@/lib/auth/api-keys";
import { createTestUser } from "@/lib/auth/testing";
import { registeredRoutes } from "@/lib/api/registry";
import "@/lib/api/routes";
import { api, openApi, testApiKey } from "@/lib/api/testing/api-client";
import { stopGateway } from "@/lib/gateway/gateway";

afterAll(() => stopGateway());

const unique = () => Math.random().toString(36).slice(2, 10);
const ip = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

async function newPool(key: string, extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/pools", { key, body: { name: `pool-${unique()}`, ...extra } });
  expect(res.status).toBe(201);
  return res.json as { id: string; name: string };
}

describe("auth on every route", () => {
  it("every registered route and every app/api/v1 route file answers 401 without a key (except openapi.json)", async () => {
    const routes = registeredRoutes();
    expect(routes.length).toBeGreaterThan(15);
    for (const { spec, invoke } of routes) {
      const url = `http://t${spec.path.replace(/\{\w+\}/g, "00000000-0000-4000-8000-000000000000")}`;
      const response = await invoke(new Request(url, { method: spec.method, body: spec.method === "GET" ? undefined : "{}" }), { id: "00000000-0000-4000-8000-000000000000", pool: "x" });
      if (spec.scope === "public") expect(response.status, spec.path).toBe(200);
      else expect(response.status, `${spec.method} ${spec.path}`).toBe(401);
    }
    const root = path.join(process.cwd(), "app/api/v1");
    const files: string[] = [];
    const walk = (dir: string) => readdirSync(dir).forEach((name) => (statSync(path.join(dir, name)).isDirectory() ? walk(path.join(dir, name)) : name === "route.ts" && files.push(path.join(dir, name))));
    walk(root);
    expect(files.length).toBe(20);
    for (const file of files) {
      const mod = (await import(file)) as Record<string, (r: Request, c: unknown) => Promise<Response>>;
      for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) {
        if (!mod[method]) continue;
        const response = await mod[method](new Request("http://t/x", { method, body: method === "GET" ? undefined : "{}" }), { params: Promise.resolve({ id: "00000000-0000-4000-8000-000000000000" }) });
        expect(response.status, `${method} ${file}`).toBe(file.includes("openapi.json") ? 200 : 401);
      }
    }
  });

  it("401 for a revoked key, 403 for a read key writing, 403 for another pool", async () => {
    const admin = await createTestUser("admin");
    const writer = await testApiKey("write");
    const revoked = await testApiKey("read");
    await revokeApiKey(admin.actor, revoked.id);
    expect((await api("GET", "/api/v1/nodes", { key: revoked.key })).status).toBe(401);
    const reader = await testApiKey("read");
    const denied = await api("POST", "/api/v1/pools", { key: reader.key, body: { name: `p-${unique()}` } });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe("forbidden");
    const mine = await newPool(writer.key);
    const other = await newPool(writer.key);
    const restricted = await testApiKey("write", mine.id);
    expect((await api("GET", `/api/v1/pools/${other.id}`, { key: restricted.key })).status).toBe(403);
    expect((await api("GET", `/api/v1/pools/${mine.id}`, { key: restricted.key })).status).toBe(200);
    expect((await api("GET", `/api/v1/nodes?poolId=${other.id}`, { key: restricted.key })).status).toBe(403);
    expect((await api("GET", `/api/v1/pools/${other.id}/proxy`, { key: restricted.key })).status).toBe(403);
    const list = await api("GET", "/api/v1/pools", { key: restricted.key });
    expect(list.json.data.map((p: { id: string }) => p.id)).toEqual([mine.id]);
  });
});

describe("nodes", () => {
  it("creates, reads, updates, changes state with audit, deletes; never returns passwords", async () => {
    const { key } = await testApiKey("write");
    const host = ip();
    const created = await api("POST", "/api/v1/nodes", { key, body: { scheme: "http", host, port: 8080, username: "operator1", password: "s3cret", tags: ["eu"] } });
    expect(created.status).toBe(201);
    expect(created.json.usernameMasked).toBe("ope***");
    expect(JSON.stringify(created.json)).not.toContain("s3cret");
    const id = created.json.id;
    expect((await api("POST", "/api/v1/nodes", { key, body: { scheme: "http", host, port: 8080, username: "operator1" } })).status).toBe(409);
    expect((await api("GET", `/api/v1/nodes/${id}`, { key })).json.host).toBe(host);
    const patched = await api("PATCH", `/api/v1/nodes/${id}`, { key, body: { label: "edge" } });
    expect(patched.json).toMatchObject({ label: "edge", hasPassword: true });
    const disabled = await api("POST", `/api/v1/nodes/${id}/state`, { key, body: { state: "DISABLED", reason: "flaky" } });
    expect(disabled.json).toMatchObject({ changed: 1, node: { state: "DISABLED", stateReason: "flaky" } });
    const audit = await prisma.auditEvent.findMany({ where: { nodeId: id }, orderBy: { at: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["node.created", "node.updated", "node.disabled"]);
    expect(audit[2].actor).toMatch(/^key:/);
    const noReason = await api("POST", `/api/v1/nodes/${id}/state`, { key, body: { state: "DISABLED" } });
    expect(noReason.status).toBe(422);
    expect(noReason.json.error.details.fields).toHaveProperty("reason");
    expect((await api("DELETE", `/api/v1/nodes/${id}`, { key })).json).toEqual({ deleted: 1 });
    expect((await api("GET", `/api/v1/nodes/${id}`, { key })).status).toBe(404);
  });

  it("422 with field details, unknown fields, 400 bad JSON, 413 oversized", async () => {
    const { key } = await testApiKey("write");
    const bad = await api("POST", "/api/v1/nodes", { key, body: { scheme: "ftp", host: "", port: 0 } });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.details.fields)).toEqual(expect.arrayContaining(["scheme", "host", "port"]));
    const unknown = await api("POST", "/api/v1/nodes", { key, body: { scheme: "http", host: "1.2.3.4", port: 80, colour: "red" } });
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(unknown.json.error.details)).toContain("colour");
    const state = await api("POST", `/api/v1/nodes/00000000-0000-4000-8000-000000000000/state`, { key, body: { state: "DISABLED" } });
    expect(state.status).toBe(404);
    expect((await api("POST", "/api/v1/pools", { key, rawBody: "{nope" })).status).toBe(400);
    const big = await api("POST", "/api/v1/pools", { key, rawBody: JSON.stringify({ name: "x", description: "y".repeat(1_100_000) }) });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("payload_too_large");
  });

  it("imports with a per-line report and paginates with a cursor", async () => {
    const { key } = await testApiKey("write");
    const pool = await newPool(key);
    const lines = Array.from({ length: 7 }, () => `${ip()}:3128`);
    const report = await api("POST", "/api/v1/nodes/import", { key, body: { text: [...lines, "not a proxy", lines[0]].join("\n"), poolId: pool.id } });
    expect(report.json).toMatchObject({ added: 7, invalid: 1, duplicate: 1 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: Array<{ id: string }>; nextCursor: string | null } } = await api("GET", `/api/v1/nodes?poolId=${pool.id}&limit=3${cursor ? `&cursor=${cursor}` : ""}`, { key });
      seen.push(...page.json.data.map((n) => n.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(7);
    expect(new Set(seen).size).toBe(7);
    expect((await api("GET", "/api/v1/nodes?limit=0", { key })).status).toBe(422);
    expect((await api("GET", "/api/v1/nodes?cursor=garbage", { key })).status).toBe(422);
  });
});

describe("pools, checkout, leases, results, stats", () => {
  it("checkout: strategies, 503 when nothing is healthy, leases are idempotent, results feed stats", async () => {
    const { key } = await testApiKey("write");
    const pool = await newPool(key, { strategy: "round_robin" });
    const empty = await api("GET", `/api/v1/pools/${pool.id}/proxy`, { key });
    expect(empty.status).toBe(503);
    expect(empty.json.error.code).toBe("no_healthy_node");
    await api("POST", "/api/v1/nodes/import", { key, body: { text: [`u1:p1@${ip()}:8000`, `${ip()}:8001`, `${ip()}:8002`].join("\n"), poolId: pool.id } });
    const { getGateway } = await import("@/lib/gateway/gateway");
    await (await getGateway()).index.rebuild();
    const byName = await api("GET", `/api/v1/pools/${encodeURIComponent(pool.name)}/proxy?count=3`, { key });
    expect(byName.status).toBe(200);
    expect(new Set(byName.json.proxies.map((p: { nodeId: string }) => p.nodeId)).size).toBe(3);
    expect(byName.json.proxies.some((p: { proxyUrl: string }) => p.proxyUrl.startsWith("http://u1:p1@"))).toBe(true);

    const lease = await api("POST", "/api/v1/leases", { key, body: { pool: pool.id, ttlSeconds: 30 } });
    expect(lease.status).toBe(201);
    const first = await api("POST", `/api/v1/leases/${lease.json.leaseId}/result`, { key, body: { status: 502, latencyMs: 120, target: "https://shop.example/" } });
    expect(first.json).toMatchObject({ faultClass: "target_502", duplicate: false });
    const again = await api("POST", `/api/v1/leases/${lease.json.leaseId}/result`, { key, body: { status: 502, latencyMs: 120, target: "https://shop.example/" } });
    expect(again.json).toMatchObject({ duplicate: true });
    const different = await api("POST", `/api/v1/leases/${lease.json.leaseId}/result`, { key, body: { errorKind: "proxy_504", latencyMs: 9 } });
    expect(different.status).toBe(409);
    const both = await api("POST", `/api/v1/leases/${lease.json.leaseId}/result`, { key, body: { status: 200, errorKind: "reset", latencyMs: 1 } });
    expect(both.status).toBe(422);

    const nodeId = byName.json.proxies[0].nodeId;
    const results = await api("POST", "/api/v1/results", { key, body: { results: [{ nodeId, target: "https://shop.example/", status: 200, latencyMs: 80 }, { nodeId, target: "https://shop.example/", errorKind: "proxy_504", latencyMs: 15000 }] } });
    expect(results.json).toMatchObject({ stored: 2, byFaultClass: { ok: 1, proxy_504: 1 } });
    const stats = await api("GET", `/api/v1/stats?window=15m&nodeId=${nodeId}`, { key });
    expect(stats.json.byBucket.ok).toBeGreaterThanOrEqual(1);
    expect(stats.json.byBucket["504"]).toBeGreaterThanOrEqual(1);
    expect(stats.json.byOrigin.proxy).toBeGreaterThanOrEqual(1);
    const poolStats = await api("GET", `/api/v1/stats?window=1h&poolId=${pool.id}`, { key });
    expect(poolStats.json.total).toBeGreaterThanOrEqual(3);
  });

  it("membership and weights; openapi.json is public and lists every route", async () => {
    const { key } = await testApiKey("write");
    const pool = await newPool(key);
    const node = await api("POST", "/api/v1/nodes", { key, body: { scheme: "socks5", host: ip(), port: 1080 } });
    const members = await api("POST", `/api/v1/pools/${pool.id}/members`, { key, body: { add: [node.json.id], weights: { [node.json.id]: 5 } } });
    expect(members.json).toMatchObject({ added: 1, weighted: 1, pool: { nodes: { total: 1 } } });
    const patched = await api("PATCH", `/api/v1/pools/${pool.id}`, { key, body: { strategy: "weighted", stickyTtlSeconds: 30 } });
    expect(patched.json).toMatchObject({ strategy: "weighted", stickyTtlSeconds: 30 });
    // The forward-proxy gateway's retry settings: partial PATCH, 422 naming the field, strict keys, no strings.
    expect(patched.json.proxyGateway).toMatchObject({ maxAttempts: 3, retryTargetFailures: false });
    const retries = await api("PATCH", `/api/v1/pools/${pool.id}`, { key, body: { proxyGateway: { maxAttempts: 5, retryNonIdempotent: true } } });
    expect(retries.status).toBe(200);
    expect(retries.json.proxyGateway).toEqual({ maxAttempts: 5, deadlineMs: 30_000, connectTimeoutMs: 3_000, firstByteTimeoutMs: 10_000, retryTargetFailures: false, retryNonIdempotent: true });
    const tooMany = await api("PATCH", `/api/v1/pools/${pool.id}`, { key, body: { proxyGateway: { maxAttempts: 11 } } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.error.details.fields).toEqual({ "proxyGateway.maxAttempts": "At most 10 attempts." });
    expect((await api("PATCH", `/api/v1/pools/${pool.id}`, { key, body: { proxyGateway: { maxAttempts: "4" } } })).status).toBe(422);
    expect((await api("PATCH", `/api/v1/pools/${pool.id}`, { key, body: { proxyGateway: { retries: 4 } } })).status).toBe(422);
    expect((await api("GET", `/api/v1/pools/${pool.id}`, { key })).json.proxyGateway.maxAttempts).toBe(5);
    expect((await api("DELETE", `/api/v1/pools/${pool.id}`, { key })).json).toEqual({ deleted: 1 });
    const doc = await api("GET", "/api/v1/openapi.json");
    expect(doc.json.openapi).toBe("3.1.0");
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(["/api/v1/nodes", "/api/v1/pools/{pool}/proxy", "/api/v1/leases", "/api/v1/stats"]));
    expect(openApi()).toEqual(doc.json);
  });
});
