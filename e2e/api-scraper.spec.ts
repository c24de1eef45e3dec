import { request as httpRequest } from "node:http";
import type { APIRequestContext } from "@playwright/test";
import { expect, test, uniqueName } from "./fixtures";

// A scraper written only from the OpenAPI document: it finds every call by operationId, checks
// out real lab proxies with each strategy and with sticky sessions, sends real requests through
// them, reports the outcomes, and reads them back from the stats and the overview. One story in
// steps (each step needs the previous one's pool and reports), with its own lab and pool.
test.use({
  labOptions: {
    proxies: [
      { name: "a", kind: "http" },
      { name: "b", kind: "http" },
      { name: "c", kind: "http" },
      { name: "dead", kind: "http", behaviour: { kind: "bad_gateway" } },
    ],
  },
});

/** GET through a checked-out proxy, the way any HTTP client would (absolute-form request). */
function fetchThrough(proxyUrl: string, url: string): Promise<number> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: proxy.hostname, port: proxy.port, path: url, headers: { host: new URL(url).host }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

function clientFromDocument(request: APIRequestContext, key: string, document: { paths: Record<string, Record<string, { operationId: string }>> }) {
  const operations = new Map<string, { method: string; path: string }>();
  for (const [path, methods] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(methods)) operations.set(operation.operationId, { method: method.toUpperCase(), path });
  return async (operationId: string, params: Record<string, string> = {}, body?: unknown, query: Record<string, string> = {}) => {
    const operation = operations.get(operationId);
    if (!operation) throw new Error(`the document has no operation ${operationId}`);
    const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
    const response = await request.fetch(`${path}?${new URLSearchParams(query)}`, {
      method: operation.method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status(), json: await response.json() };
  };
}

test("a scraper sets up its pool, checks out with every strategy, leases, and sees its reports", async ({ page, playwright, baseURL, lab, apiKey }) => {
  const POOL = uniqueName("scrapers");
  // Its own HTTP client without the admin's session: the scraper only has its key.
  const request = await playwright.request.newContext({ baseURL });
  const document = await (await request.get("/api/v1/openapi.json")).json();
  const api = clientFromDocument(request, apiKey, document);
  let poolId = "";

  await test.step("set up the pool from the document alone", async () => {
    expect(document.openapi).toMatch(/^3\.1/);
    expect((await request.get("/api/v1/pools")).status()).toBe(401);
    const created = await api("createPool", {}, { name: POOL });
    expect(created.status).toBe(201);
    poolId = created.json.id;
    const lines = ["a", "b", "c", "dead"].map((name) => `http://127.0.0.1:${lab.proxy(name).port}`).join("\n");
    const imported = await api("importNodes", {}, { text: lines, poolId: created.json.id });
    expect(imported.status).toBe(200);
    expect(imported.json).toMatchObject({ added: 4, invalid: 0 });
    const bad = await api("createPool", {}, { name: POOL, colour: "blue" });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("unprocessable_entity");
  });

  await test.step("checkout with every strategy, sticky sessions, and a report per request", async () => {
    const target = `${lab.httpTarget.baseUrl}/ok`;
    for (const strategy of ["round_robin", "random", "least_recently_used", "weighted", "lowest_latency"]) {
      expect((await api("updatePool", { id: poolId }, { strategy })).status).toBe(200);
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const checkout = await api("checkoutProxy", { pool: POOL });
        expect(checkout.status, strategy).toBe(200);
        const [proxy] = checkout.json.proxies;
        seen.add(proxy.nodeId);
        const started = Date.now();
        const status = await fetchThrough(proxy.proxyUrl, target);
        const report = await api("reportResults", {}, { results: [{ nodeId: proxy.nodeId, target, status, latencyMs: Date.now() - started }] });
        expect(report.status, strategy).toBe(200);
      }
      expect(seen.size, `${strategy} spreads over several nodes`).toBeGreaterThan(1);
    }

    const first = await api("checkoutProxy", { pool: POOL }, undefined, { session: "user-42" });
    for (let i = 0; i < 5; i++) {
      const again = await api("checkoutProxy", { pool: POOL }, undefined, { session: "user-42" });
      expect(again.json.proxies[0].nodeId).toBe(first.json.proxies[0].nodeId);
    }
  });

  await test.step("a lease is reported once; the stats show the 502s behind the dead gateway", async () => {
    const portOf = (name: string) => lab.proxy(name).port;
    const nodes: Array<{ id: string; port: number }> = (await api("listNodes", {}, undefined, { poolId })).json.data;
    const idOf = (name: string) => nodes.find((n) => n.port === portOf(name))!.id;

    const lease = await api("createLease", {}, { pool: POOL, exclude: [idOf("b"), idOf("c"), idOf("dead")], ttlSeconds: 30 });
    expect(lease.status).toBe(201);
    expect(lease.json.proxy.nodeId).toBe(idOf("a"));
    const target = `${lab.httpTarget.baseUrl}/ok`;
    const status = await fetchThrough(lease.json.proxy.proxyUrl, target);
    const report = { status, latencyMs: 5, target };
    expect((await api("reportLeaseResult", { id: lease.json.leaseId }, report)).status).toBe(200);
    expect((await api("reportLeaseResult", { id: lease.json.leaseId }, report)).status).toBe(200);
    expect((await api("reportLeaseResult", { id: lease.json.leaseId }, { ...report, status: 503 })).status).toBe(409);

    // Every checkout above that landed on the dead gateway was reported as the 502 it answered.
    const stats = await api("getStats", {}, undefined, { window: "15m", nodeId: idOf("dead") });
    expect(stats.status).toBe(200);
    expect(stats.json.byBucket["502"]).toBeGreaterThanOrEqual(1);
    expect(stats.json.byBucket.ok).toBe(0);
  });

  await test.step("the operator sees the scraper's reports on the overview", async () => {
    await page.goto("/?window=15m");
    await page.getByLabel("Pool").selectOption({ label: POOL });
    // 5 strategies × 12 checkouts + the lease, all reported by the scraper itself.
    await expect(page.getByTestId("kpi-requests")).toHaveText("61");
    await expect(page.getByTestId("kpi-502")).not.toHaveText("0");
    await expect(page.getByTestId("top-nodes")).toContainText(`127.0.0.1:${lab.proxy("dead").port}`);
  });

  await request.dispose();
});
