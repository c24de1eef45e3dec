/**
 * Checkout gateway benchmark: 10,000 nodes in one pool on a throw-away embedded PostgreSQL, a real
 * API key, the gateway's fast path on a plain node:http server (what the web role runs before
 * Next.js), loaded with autocannon (32 connections, 10 s, load generator in a worker thread):
 * plain checkouts, then sticky-session checkouts over 10,000 session keys.
 * Run: npm run bench:checkout   (prints figures; a measurement, not a test)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { findFreePort } from "@/lib/net/free-port";
import { BENCH_SHORT, reportFigure } from "./bench-report";

const NODES = Number(process.env.BENCH_NODES ?? 10_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? (BENCH_SHORT ? 5 : 10));
const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-checkout-bench-"));
process.env.SWITCHYARD_SECRET_KEY ??= Buffer.alloc(32, 3).toString("base64");
const database = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), throwAway: true });
process.env.DATABASE_URL = database.url;
await applyMigrations(database.url);

const { importNodes } = await import("@/lib/nodes/mutations");
const { createPool } = await import("@/lib/pools/mutations");
const { importNodesSchema } = await import("@/lib/nodes/schema");
const { createApiKey } = await import("@/lib/auth/api-keys");
const { prisma } = await import("@/lib/db/prisma");
const { Gateway } = await import("@/lib/gateway/gateway");

const admin = await prisma.user.create({ data: { email: "bench@bench.example", role: "admin", passwordHash: "x" } });
const actor = { kind: "user" as const, id: admin.id, label: admin.email, role: "admin" as const };
const pool = await createPool(actor, { name: "bench", description: "" });
if (!pool.ok) throw new Error("pool");
const lines = Array.from({ length: NODES }, (_, i) => `user${i}:pass${i}@10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`);
const imported = await importNodes(actor, importNodesSchema.parse({ text: lines.join("\n"), poolId: pool.id }));
if (!imported.ok) throw new Error("import");
const { key } = await createApiKey(actor, { name: "bench", scope: "read" });

const gateway = new Gateway({ connectionString: database.url, ratePerKeyPerSecond: 10_000_000 });
const t0 = performance.now();
await gateway.start();
console.log(`index: ${NODES} nodes built in ${(performance.now() - t0).toFixed(0)} ms (first build, includes LISTEN + stats)`);
const t1 = performance.now();
await gateway.index.rebuild();
console.log(`index: rebuild ${(performance.now() - t1).toFixed(0)} ms`);

const server = createServer(async (req, res) => {
  if (!(await gateway.fastPath(req, res))) res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function run(title: string, requests: autocannon.Request[]) {
  const result = await autocannon({ url, connections: 32, duration: DURATION, workers: 1, headers: { authorization: `Bearer ${key}` }, requests });
  const errors = result.errors + result.timeouts + result.non2xx;
  console.log(
    `${title.padEnd(28)} ${Math.round(result.requests.average).toLocaleString("en")} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ` +
      `errors ${errors} (non-2xx ${result.non2xx})  total ${result.requests.total.toLocaleString("en")}`,
  );
  // Goals: 5,000 checkouts/s on the fast path (20× a Next route handler's ceiling here), no errors.
  reportFigure({ name: `${title} at ${NODES.toLocaleString("en-US")} nodes`, value: Math.round(result.requests.average), unit: "req/s", goal: 5_000, better: "higher" });
  reportFigure({ name: `${title} errors`, value: errors, unit: "", goal: 0, better: "lower" });
}

await run("checkout (round robin)", [{ method: "GET", path: `/api/v1/pools/${pool.id}/proxy` }]);
// autocannon cycles through the list (functions cannot cross into its worker thread): 2,000 sessions.
await run(
  "checkout (sticky, by name)",
  Array.from({ length: 2_000 }, (_, i) => ({ method: "GET", path: `/api/v1/pools/bench/proxy?session=s${i}` })),
);

server.close();
await gateway.close();
await prisma.$disconnect();
await database.stop();
rmSync(dataDir, { recursive: true, force: true });
