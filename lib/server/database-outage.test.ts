import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { findFreePort } from "@/lib/net/free-port";
import { startDatabaseMonitor } from "@/lib/db/database-outage";
import { expireProbeLeases } from "@/lib/probe/probe-lease-expiry";
import { registerBackgroundJob, runBackgroundJobs } from "@/lib/worker/background-jobs";
import { registeredRoutes } from "@/lib/api/registry";
import "@/lib/api/routes";
import { testApiKey } from "@/lib/api/testing/api-client";
import { getGateway, stopGateway, type Gateway } from "@/lib/gateway/gateway";
import { GET as healthRoute } from "@/app/api/health/route";
import { createRequestListener } from "./web-server";
import { answerDuringDatabaseOutage } from "./database-outage-answer";

// A whole web role against its own embedded PostgreSQL, which the test stops and starts again
// under load: the shared test database must not go away under the other test files.
const folder = mkdtempSync(path.join(tmpdir(), "switchyard-outage-"));
let database: EmbeddedDatabase;
let port: number;
let server: Server;
let baseUrl: string;
let gateway: Gateway;
let monitor: { stop(): Promise<void> };
let prisma: typeof import("@/lib/db/prisma").prisma;
const jobs = new AbortController();
let jobsDone: Promise<void>;
const jobLog: string[] = [];
let jobSuccesses = 0;

/** The fallback after the fast paths, standing where Next.js stands in production: REST routes from the registry, /api/health, and a page that reads the database. */
async function fallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://switchyard.test");
  let response: Response;
  if (url.pathname === "/api/health") response = await healthRoute();
  else if (url.pathname.startsWith("/api/v1/")) {
    const found = registeredRoutes()
      .map((route) => ({ route, match: new RegExp(`^${route.spec.path.replace(/\{\w+\}/g, "([^/]+)")}$`).exec(url.pathname) }))
      .find(({ route, match }) => match && route.spec.method === req.method);
    if (!found) throw new Error(`no route ${req.method} ${url.pathname}`);
    const names = [...found.route.spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    response = await found.route.invoke(new Request(url, { method: req.method, headers }), Object.fromEntries(names.map((name, i) => [name, found.match![i + 1]])));
  } else {
    // A server-rendered page: reads the database before it can answer.
    const users = await prisma.user.count();
    response = new Response(`<!doctype html><p>${users} users</p>`, { headers: { "content-type": "text/html" } });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

let key: string;
let poolName: string;
let nodeIds: string[];

beforeAll(async () => {
  port = await findFreePort();
  database = await startEmbeddedPostgres({ dataDir: folder, port, throwAway: true });
  await applyMigrations(database.url);
  process.env.DATABASE_URL = database.url; // before the first use of the Prisma client
  process.env.SWITCHYARD_GATEWAY_STALE_SECONDS = "6";
  ({ prisma } = await import("@/lib/db/prisma"));

  key = (await testApiKey("read")).key;
  const pool = await prisma.pool.create({ data: { name: `outage-${Date.now()}` } });
  poolName = pool.name;
  nodeIds = [];
  for (let i = 1; i <= 3; i++) {
    const node = await prisma.proxyNode.create({ data: { scheme: "http", host: `10.99.0.${i}`, port: 3128 } });
    await prisma.poolMembership.create({ data: { poolId: pool.id, nodeId: node.id } });
    nodeIds.push(node.id);
  }

  // Rebuilt every second while the database answers, so the stale bound is measured from the stop.
  gateway = await getGateway({ connectionString: database.url, refreshMs: 60_000, statsRefreshMs: 1_000 });
  monitor = startDatabaseMonitor({ connectionString: database.url, intervalMs: 500 });
  server = createServer(createRequestListener([gateway.fastPath, answerDuringDatabaseOutage], fallback));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  registerBackgroundJob({ name: "expire-probe-leases", intervalMs: 200, run: async () => void (await expireProbeLeases(), jobSuccesses++) });
  jobsDone = runBackgroundJobs(jobs.signal, (line) => jobLog.push(line));
}, 120_000);

afterAll(async () => {
  jobs.abort();
  await jobsDone;
  await new Promise((resolve) => server?.close(resolve));
  await stopGateway();
  await monitor?.stop();
  await prisma?.$disconnect();
  await database?.stop();
  rmSync(folder, { recursive: true, force: true });
});

interface Answer {
  what: string;
  status: number;
  ms: number;
  contentType: string;
  retryAfter: string | null;
  body: string;
  at: number;
}

/** No request may hang: each must answer within this (the connect timeout is 5 s). */
const ANSWER_BOUND_MS = 8_000;

const requests: Record<string, () => [string, RequestInit]> = {
  checkout: () => [`/api/v1/pools/${encodeURIComponent(poolName)}/proxy`, { headers: { authorization: `Bearer ${key}` } }],
  nodes: () => ["/api/v1/nodes?limit=5", { headers: { authorization: `Bearer ${key}` } }],
  health: () => ["/api/health", {}],
  page: () => ["/", {}],
};

async function ask(what: keyof typeof requests): Promise<Answer> {
  const [pathname, init] = requests[what]();
  const started = Date.now();
  const response = await fetch(baseUrl + pathname, { ...init, signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
  const body = await response.text();
  return { what, status: response.status, ms: Date.now() - started, contentType: response.headers.get("content-type") ?? "", retryAfter: response.headers.get("retry-after"), body, at: Date.now() };
}

/** Four kinds of request, two clients each, back to back until stopped: the load the database goes away under. */
function startLoad() {
  const answers: Answer[] = [];
  const failures: string[] = [];
  let running = true;
  const clients = (Object.keys(requests) as Array<keyof typeof requests>).flatMap((what) =>
    [0, 1].map(async () => {
      while (running) {
        await ask(what).then((answer) => answers.push(answer), (error: Error) => failures.push(`${what}: ${error.name} ${error.message}`));
      }
    }),
  );
  return { answers, failures, stop: async () => ((running = false), await Promise.all(clients)) };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("database outage under load", () => {
  it("answers 503 + Retry-After (never hangs, never 500), checkout serves its index for the bounded time, and everything recovers by itself", async () => {
    const load = startLoad();
    try {
      await outageUnderLoad(load);
    } finally {
      await load.stop(); // a failed expectation must not leave clients running into afterAll
    }
  }, 180_000);
});

async function outageUnderLoad(load: ReturnType<typeof startLoad>): Promise<void> {
  await waitFor("answers while up", async () => (load.answers.length > 40 ? true : undefined));
  const up = load.answers.splice(0);
  expect(up.filter((a) => a.status !== 200).map((a) => `${a.what} ${a.status} ${a.body}`)).toEqual([]);

  // --- the database goes away -------------------------------------------------------------
  const stoppedAt = Date.now();
  await database.stop();
  const health = await waitFor("health to report the outage", async () => {
    const answer = await ask("health");
    return answer.status === 503 ? answer : undefined;
  });
  expect(JSON.parse(health.body)).toMatchObject({ ok: false, database: "unreachable", reason: expect.stringMatching(/refuses connections/) });
  expect(health.retryAfter).toBe("5");
  // Every kind of request must have answered after health noticed: requests that were already
  // waiting on the database when it went away answer only when their own connect attempt fails.
  await waitFor("every kind of request to answer during the outage", async () => {
    const kinds = new Set(load.answers.filter((a) => a.at > health.at).map((a) => a.what));
    return kinds.size === 4 && load.answers.filter((a) => a.at > Date.now() - 1_000).length > 40 ? true : undefined;
  });
  const during = load.answers.filter((a) => a.at > health.at);
  // Measured from the stop, not from when health noticed: on a loaded machine that can take longer than the fresh window.
  const whileFresh = load.answers.filter((a) => a.at > stoppedAt && a.at - stoppedAt < 4_000);
  // Within the stale bound (6 s here) checkout keeps answering from the last index.
  expect(whileFresh.filter((a) => a.what === "checkout").length).toBeGreaterThan(0);
  expect(whileFresh.filter((a) => a.what === "checkout" && a.status !== 200).map((a) => a.body)).toEqual([]);
  for (const answer of during.filter((a) => a.what !== "checkout")) {
    expect(answer.status, `${answer.what}: ${answer.body}`).toBe(503);
    expect(answer.retryAfter, answer.what).toBe("5");
  }
  const apiAnswer = during.find((a) => a.what === "nodes")!;
  expect(apiAnswer.contentType).toMatch(/application\/json/);
  expect(JSON.parse(apiAnswer.body)).toEqual({ error: { code: "service_unavailable", message: expect.any(String), details: { retryAfterSeconds: 5 } } });
  const pageAnswer = during.find((a) => a.what === "page")!;
  expect(pageAnswer.contentType).toMatch(/text\/html/);
  expect(pageAnswer.body).toMatch(/cannot reach its database/);

  // Past the bound, checkout stops handing out nodes nobody can vouch for.
  await waitFor("the stale bound to pass", async () => (Date.now() - stoppedAt > 7_500 ? true : undefined));
  const pastBound = await ask("checkout");
  expect(pastBound.status).toBe(503);
  expect(JSON.parse(pastBound.body).error.code).toBe("service_unavailable");
  expect(pastBound.retryAfter).toBe("5");
  expect(jobLog.some((line) => line.includes("expire-probe-leases failed"))).toBe(true);

  // --- the database comes back: nothing is restarted ---------------------------------------
  database = await startEmbeddedPostgres({ dataDir: folder, port, throwAway: true });
  const backAt = Date.now();
  await waitFor("health to recover", async () => ((await ask("health")).status === 200 ? true : undefined));
  await waitFor("every kind of request to answer 200 again", async () => {
    const recent = load.answers.filter((a) => a.at > backAt + 500);
    const kinds = new Set(recent.filter((a) => a.status === 200).map((a) => a.what));
    return kinds.size === 4 && recent.slice(-16).every((a) => a.status === 200) ? true : undefined;
  });
  await load.stop();

  // No request hung or failed at the HTTP level, and nothing answered 500 at any time.
  expect(load.failures).toEqual([]);
  const all = [...up, ...load.answers];
  expect(all.filter((a) => a.ms > ANSWER_BOUND_MS)).toEqual([]);
  expect(all.filter((a) => a.status >= 500 && a.status !== 503).map((a) => `${a.what} ${a.status} ${a.body}`)).toEqual([]);

  // The gateway reconnected its LISTEN connection by itself (changes reach the index at once again).
  await waitFor("the gateway to listen again", async () => (gateway.index.listening ? true : undefined));
  // The worker loop outlived the outage: its job succeeds again and does its work.
  const before = jobSuccesses;
  await prisma.nodeProbeLease.create({ data: { nodeId: nodeIds[0], leaseUntil: new Date(Date.now() - 1_000), leaseOwner: "died-during-outage" } });
  await waitFor("the worker job to run again", async () => {
    const lease = await prisma.nodeProbeLease.findUnique({ where: { nodeId: nodeIds[0] } });
    return jobSuccesses > before && lease?.leaseOwner === null ? true : undefined;
  });
}
