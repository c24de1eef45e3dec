/**
 * Dashboard benchmark: 1,000,000 probe results over 24 h across 1,000 nodes × 5 targets in a
 * throw-away embedded PostgreSQL (generated with INSERT … SELECT generate_series), rolled up, plus
 * a live raw tail past the watermark; then times the dashboard's queries (p50/p95 over 30 runs).
 * Run: npm run bench:dashboard   (prints figures; a measurement, not a test)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { findFreePort } from "@/lib/net/free-port";
import { BENCH_SHORT, reportFigure } from "./bench-report";

const RESULTS = Number(process.env.BENCH_RESULTS ?? 1_000_000);
const NODES = Number(process.env.BENCH_NODES ?? 1_000);
const TARGETS = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? (BENCH_SHORT ? 10 : 30));
// Goal: every dashboard query under 250 ms p95 at 1M results (the overview polls every 4 s).
const QUERY_P95_GOAL_MS = 250;

const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-dash-bench-"));
process.env.SWITCHYARD_SECRET_KEY ??= Buffer.alloc(32, 3).toString("base64");
const database = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), throwAway: true });
process.env.DATABASE_URL = database.url;
await applyMigrations(database.url);

const { prisma } = await import("@/lib/db/prisma");
const { rollUpStats } = await import("@/lib/stats/rollup");
const { resultCounts } = await import("@/lib/stats/result-counts");
const { statsOverview } = await import("@/lib/stats/overview");
const { statsTimeSeries } = await import("@/lib/stats/time-series");
const { topOffendingNodes } = await import("@/lib/stats/top-nodes");
const { topOffendingTargets } = await import("@/lib/stats/top-targets");
const { nodeTargetHeatMap } = await import("@/lib/stats/heat-map");
const { listNodesWithHealth: listNodes } = await import("@/lib/stats/node-table");
const { nodeListQuerySchema } = await import("@/lib/nodes/schema");
const { listNodesByHealth, healthTableQuerySchema } = await import("@/lib/stats/node-table");
const { dashboardData } = await import("@/lib/stats/dashboard");

const now = new Date();
const t0 = performance.now();
// Nodes in two pools (all in "fleet", every other one also in "eu"), 5 targets (the first an IP echo).
await prisma.$executeRaw`INSERT INTO "Pool" ("id", "name", "updatedAt") VALUES (gen_random_uuid(), 'fleet', now()), (gen_random_uuid(), 'eu', now())`;
await prisma.$executeRaw`
  INSERT INTO "ProxyNode" ("id", "scheme", "host", "port", "updatedAt")
  SELECT gen_random_uuid(), 'http', '10.77.' || (i / 256) || '.' || (i % 256), 8080, now() FROM generate_series(1, ${NODES}) i`;
await prisma.$executeRaw`INSERT INTO "PoolMembership" ("poolId", "nodeId") SELECT p."id", n."id" FROM "Pool" p, "ProxyNode" n WHERE p."name" = 'fleet'`;
await prisma.$executeRaw`
  INSERT INTO "PoolMembership" ("poolId", "nodeId")
  SELECT p."id", n."id" FROM "Pool" p, (SELECT "id", row_number() OVER (ORDER BY "host") AS rn FROM "ProxyNode") n WHERE p."name" = 'eu' AND n.rn % 2 = 0`;
await prisma.$executeRaw`
  INSERT INTO "ProbeTarget" ("id", "url") SELECT gen_random_uuid(), 'http://bench-target-' || t || '.test/' || CASE WHEN t = 1 THEN 'ip' ELSE 'page' END
  FROM generate_series(1, ${TARGETS}) t`;

// Results: node i × target j, spread evenly over 24 h; class mix ~90 % ok, the rest spread over
// proxy/network/target 502/504 and others; a few "dead" nodes fail everything; latency log-normal-ish.
async function insertResults(count: number, fromMs: number, spanMs: number) {
  await prisma.$executeRaw`
    WITH n AS (SELECT "id", row_number() OVER (ORDER BY "id") - 1 AS k FROM "ProxyNode"),
         t AS (SELECT "id", row_number() OVER (ORDER BY "url") - 1 AS k FROM "ProbeTarget"),
         g AS (SELECT i, (i % ${NODES}) AS nk, ((i / ${NODES}) % ${TARGETS}) AS tk, random() AS r, random() AS r2 FROM generate_series(0, ${count - 1}) i),
         c AS (SELECT g.*, CASE WHEN g.nk % 97 = 0 THEN 'proxy_502'
                                WHEN g.r < 0.90 THEN 'ok' WHEN g.r < 0.93 THEN 'proxy_502' WHEN g.r < 0.95 THEN 'upstream_timeout'
                                WHEN g.r < 0.96 THEN 'target_502' WHEN g.r < 0.97 THEN 'reset' WHEN g.r < 0.98 THEN 'proxy_504'
                                WHEN g.r < 0.99 THEN 'blocked' ELSE 'proxy_unreachable' END AS cls FROM g)
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "status", "exitIp", "faultClass", "bucket", "faultOrigin", "reason")
    SELECT n."id", t."id", ${new Date(fromMs)}::timestamptz + (c.i::float8 / ${count}) * ${spanMs} * interval '1 millisecond',
           CASE WHEN c.cls = 'upstream_timeout' THEN 10000 ELSE exp(3.5 + 2.0 * c.r2) END,
           CASE WHEN c.cls = 'ok' THEN 200 ELSE NULL END,
           CASE WHEN c.tk = 0 AND c.cls = 'ok' THEN '198.51.' || (c.nk / 256) || '.' || (c.nk % 256) ELSE NULL END,
           c.cls,
           CASE c.cls WHEN 'ok' THEN 'ok' WHEN 'proxy_502' THEN '502' WHEN 'target_502' THEN '502' WHEN 'reset' THEN '502'
                      WHEN 'upstream_timeout' THEN '504' WHEN 'proxy_504' THEN '504' ELSE 'other_failure' END,
           CASE c.cls WHEN 'ok' THEN 'none' WHEN 'proxy_502' THEN 'proxy' WHEN 'proxy_504' THEN 'proxy' WHEN 'target_502' THEN 'target'
                      WHEN 'blocked' THEN 'target' ELSE 'network' END,
           'bench'
    FROM c JOIN n ON n.k = c.nk JOIN t ON t.k = c.tk`;
}
const dayMs = 86_400_000;
await insertResults(RESULTS, now.getTime() - dayMs, dayMs - 120_000);
const generateMs = performance.now() - t0;
await prisma.$executeRaw`ANALYZE`;

// Baseline in the same run: the whole backlog folded in ONE transaction (what the rollup did
// before it worked in chunks), then the same data again in the worker's bounded chunks.
// The short mode (npm run bench) skips that baseline: it is about the queries, and the budget is 10 min for all benches.
const rollupUntil = new Date(now.getTime() - 90_000);
let single: { rawRows: number; ms: number } | null = null;
if (!BENCH_SHORT) {
  const t1 = performance.now();
  const run = await rollUpStats(rollupUntil, { chunkRows: 10_000_000, budgetMs: 10 * 60_000 });
  single = { rawRows: run.rawRows, ms: performance.now() - t1 };
  await prisma.$executeRaw`TRUNCATE "StatsRollupMinute", "StatsRollupNode", "StatsRollupNodeTarget"`;
  await prisma.$executeRaw`DELETE FROM "ProbeRollupWatermark"`;
}
const t2 = performance.now();
const rolled = await rollUpStats(rollupUntil, { budgetMs: 10 * 60_000 });
const rollupMs = performance.now() - t2;
// The live tail past the watermark (what the worker has not folded yet): ~90 s of results.
await insertResults(Math.round(RESULTS / 960), now.getTime() - 90_000, 90_000);
await prisma.$executeRaw`ANALYZE`;
const [counts] = await prisma.$queryRaw<Array<{ raw: bigint; minute: bigint; node: bigint }>>`
  SELECT (SELECT count(*) FROM "ProbeResult") AS raw, (SELECT count(*) FROM "StatsRollupMinute") AS minute, (SELECT count(*) FROM "StatsRollupNode") AS node`;
const eu = await prisma.pool.findFirstOrThrow({ where: { name: "eu" } });

async function time(name: string, run: () => Promise<unknown>) {
  await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)].toFixed(1);
  console.log(`  ${name.padEnd(52)} p50 ${pct(0.5).padStart(7)} ms   p95 ${pct(0.95).padStart(7)} ms`);
  reportFigure({ name: `dashboard ${RESULTS.toLocaleString("en-US")}: ${name} p95`, value: Number(pct(0.95)), unit: "ms", goal: QUERY_P95_GOAL_MS, better: "lower" });
}

console.log(`\nSwitchyard dashboard benchmark (embedded PostgreSQL 17, Node ${process.version})`);
console.log(`  generate ${RESULTS.toLocaleString("en-US")} results, ${NODES} nodes × ${TARGETS} targets over 24 h   ${(generateMs / 1000).toFixed(1)} s`);
console.log(
  single
    ? `  roll up, one transaction (old shape, baseline)              ${(single.ms / 1000).toFixed(1)} s  (${single.rawRows} results, 1 chunk)`
    : "  roll up, one transaction (old shape, baseline)              skipped in the short mode",
);
console.log(`  roll up, bounded chunks of 50,000 (the worker's)            ${(rollupMs / 1000).toFixed(1)} s  (${rolled.rawRows} results, ${rolled.chunks} chunks, ~${(rollupMs / rolled.chunks / 1000).toFixed(2)} s each${single ? `; ratio ${(rollupMs / single.ms).toFixed(2)}` : ""})`);
console.log(`  rows: raw ${counts.raw}, StatsRollupMinute ${counts.minute}, StatsRollupNode ${counts.node}  (raw tail past the watermark included in every query)`);
console.log(`  queries (${RUNS} runs each):`);
if (process.env.BENCH_PROFILE) {
  const { nodeHealthFigures } = await import("@/lib/stats/node-health");
  const ids = (await prisma.proxyNode.findMany({ take: 50, select: { id: true } })).map((n) => n.id);
  await time("profile: nodeHealthFigures(50 ids)", () => nodeHealthFigures(ids));
  await time("profile: count + findMany (50 rows)", () => Promise.all([prisma.proxyNode.count(), prisma.proxyNode.findMany({ take: 50, include: { pools: { include: { pool: true } } } })]));
  for (const [name, sql] of Object.entries({
    last: `EXPLAIN ANALYZE SELECT ids.id, last.* FROM unnest($1::uuid[]) AS ids(id) LEFT JOIN LATERAL (SELECT p."startedAt" FROM "ProbeResult" p WHERE p."nodeId" = ids.id ORDER BY p."startedAt" DESC LIMIT 1) last ON true`,
    ip: `EXPLAIN ANALYZE SELECT ids.id, ip.* FROM unnest($1::uuid[]) AS ids(id) LEFT JOIN LATERAL (SELECT p."exitIp" FROM "ProbeResult" p WHERE p."nodeId" = ids.id AND p."exitIp" IS NOT NULL AND p."startedAt" > now() - interval '1 day' ORDER BY p."startedAt" DESC LIMIT 1) ip ON true`,
    raw: `EXPLAIN ANALYZE SELECT count(*) FROM "ProbeResult" p, (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = 'stats') AS mark) w WHERE p."nodeId" = ANY($1::uuid[]) AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), now() - interval '1 hour')`,
  })) {
    const plan = await prisma.$queryRawUnsafe<Array<{ "QUERY PLAN": string }>>(sql, ids);
    console.log(`--- ${name}\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
  }
}
await time("overview 24 h, all pools", () => statsOverview({ window: "24h" }));
await time("overview 24 h, pool 'eu'", () => statsOverview({ window: "24h", poolId: eu.id }));
await time("overview 15 min, all pools", () => statsOverview({ window: "15m" }));
await time("overview 7 d, all pools", () => statsOverview({ window: "7d" }));
await time("time series 24 h (48 steps), all pools", () => statsTimeSeries({ window: "24h" }));
await time("time series 1 h (30 steps), pool 'eu'", () => statsTimeSeries({ window: "1h", poolId: eu.id }));
await time("top offending nodes 24 h", () => topOffendingNodes({ window: "24h" }));
await time("top offending targets 24 h", () => topOffendingTargets({ window: "24h" }));
await time("heat map node × target 24 h (30 worst nodes)", () => nodeTargetHeatMap({ window: "24h" }));
await time("nodes table page (50 rows + health columns)", () => listNodes(nodeListQuerySchema.parse({})));
await time("nodes table sorted by 1 h success rate (50 rows)", () => listNodesByHealth(healthTableQuerySchema.parse({ sort: "successRate", direction: "asc" })));
await time("whole overview response (/api/ui/stats, 24 h)", () => dashboardData({ window: "24h" }));
await time("/api/v1/stats 24 h, pool 'eu' (same query as the overview)", () => resultCounts({ window: "24h", poolId: eu.id }));
const someNode = await prisma.proxyNode.findFirstOrThrow({ select: { id: true } });
await time("/api/v1/stats 24 h, one node", () => resultCounts({ window: "24h", nodeId: someNode.id }));
console.log(`  peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);

await prisma.$disconnect();
await database.stop();
rmSync(dataDir, { recursive: true, force: true });
