import { request as httpRequest } from "node:http";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { signInAsAdmin } from "./support/auth";

// A scraper written only from the OpenAPI document: it finds every call by operationId, checks
// out real lab proxies with each strategy and with sticky sessions, sends real requests through
// them, reports the outcomes, and reads them back from the stats.
test.describe.configure({ mode: "serial" });

let lab: FaultLab;
let key = "";
let api: (operationId: string, params?: Record<string, string>, body?: unknown, query?: Record<string, string>) => Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
const POOL = `scrapers-${Date.now() % 100_000}`;

test.beforeAll(async () => {
  lab = await startFaultLab({
    proxies: [
      { name: "a", kind: "http" },
      { name: "b", kind: "http" },
      { name: "c", kind: "http" },
      { name: "dead", kind: "http", behaviour: { kind: "bad_gateway" } },
    ],
  });
});
let http: APIRequestContext;
test.afterAll(async () => {
  await http?.dispose();
  await lab?.close();
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

function clientFromDocument(request: APIRequestContext, document: { paths: Record<string, Record<string, { operationId: string }>> }) {
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

test("an admin creates a write key in the UI", async ({ page }) => {
  await signInAsAdmin(page, "/settings/api-keys");
  await page.goto("/settings/api-keys");
  await page.getByLabel("Name").fill(`scraper-${POOL}`);
  await page.getByLabel("Scope").selectOption("write");
  await page.getByRole("button", { name: "Create key" }).click();
  key = (await page.getByTestId("new-api-key").textContent()) ?? "";
  expect(key).toMatch(/^sy_/);
});

test("the scraper sets up its pool from the document alone", async () => {
  // Its own HTTP client for the whole story (the per-test `request` fixture ends with each test).
  http = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  const request = http;
  const document = await (await request.get("/api/v1/openapi.json")).json();
  expect(document.openapi).toMatch(/^3\.1/);
  api = clientFromDocument(request, document);

  expect((await request.get("/api/v1/pools")).status()).toBe(401);
  const created = await api("createPool", {}, { name: POOL });
  expect(created.status).toBe(201);
  const lines = ["a", "b", "c", "dead"].map((name) => `http://127.0.0.1:${lab.proxy(name).port}`).join("\n");
  const imported = await api("importNodes", {}, { text: lines, poolId: created.json.id });
  expect(imported.status).toBe(200);
  expect(imported.json).toMatchObject({ added: 4, invalid: 0 });
  const bad = await api("createPool", {}, { name: POOL, colour: "blue" });
  expect(bad.status).toBe(422);
  expect(bad.json.error.code).toBe("unprocessable_entity");
});

test("checkout with every strategy, sticky sessions, and a report per request", async () => {
  const target = `${lab.httpTarget.baseUrl}/ok`;
  for (const strategy of ["round_robin", "random", "least_recently_used", "weighted", "lowest_latency"]) {
    const pool = (await api("listPools")).json.data.find((p: { name: string }) => p.name === POOL);
    expect((await api("updatePool", { id: pool.id }, { strategy })).status).toBe(200);
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

test("a lease is reported once; the stats show the 502s behind the dead gateway", async () => {
  const portOf = (name: string) => lab.proxy(name).port;
  const nodes: Array<{ id: string; port: number }> = (await api("listNodes", {}, undefined, { poolId: (await api("listPools")).json.data.find((p: { name: string }) => p.name === POOL).id })).json.data;
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

test("the operator sees the scraper's reports on the overview", async ({ page }) => {
  await signInAsAdmin(page, "/");
  await page.goto("/?window=15m");
  await page.getByLabel("Pool").selectOption({ label: POOL });
  // 5 strategies × 12 checkouts + the lease, all reported by the scraper itself.
  await expect(page.getByTestId("kpi-requests")).toHaveText("61");
  await expect(page.getByTestId("kpi-502")).not.toHaveText("0");
  await expect(page.getByTestId("top-nodes")).toContainText(`127.0.0.1:${lab.proxy("dead").port}`);
});
