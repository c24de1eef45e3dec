/**
 * Pool registry benchmark: imports 10,000 proxy lines (the mixed formats operators paste) into a
 * throw-away embedded PostgreSQL, then times the nodes-table queries the browser makes.
 * Run: npm run bench:registry   (prints figures; it is a measurement, not a test)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { findFreePort } from "@/lib/net/free-port";
import { reportFigure } from "./bench-report";

const NODES = Number(process.env.BENCH_NODES ?? 10_000);
const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-bench-"));
process.env.SWITCHYARD_SECRET_KEY ??= Buffer.alloc(32, 3).toString("base64");
const database = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), throwAway: true });
process.env.DATABASE_URL = database.url;
await applyMigrations(database.url);

const { SYSTEM_ACTOR } = await import("@/lib/auth/actor");
const { importNodes } = await import("@/lib/nodes/mutations");
const { createPool } = await import("@/lib/pools/mutations");
const { listNodesWithHealth: listNodes } = await import("@/lib/stats/node-table");
const { importNodesSchema, nodeListQuerySchema } = await import("@/lib/nodes/schema");
const { prisma } = await import("@/lib/db/prisma");

function line(i: number): string {
  const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  switch (i % 4) {
    case 0: return `${host}:8080`;
    case 1: return `${host}:3128:user${i}:pass${i}`;
    case 2: return `user${i}:pass${i}@${host}:8000`;
    default: return `socks5://user${i}:p%40ss${i}@${host}:1080`;
  }
}

const pool = await createPool(SYSTEM_ACTOR, { name: "bench", description: "" });
if (!pool.ok) throw new Error("pool");
const text = Array.from({ length: NODES }, (_, i) => line(i + 1)).join("\n");
const t0 = performance.now();
const result = await importNodes(SYSTEM_ACTOR, importNodesSchema.parse({ text, poolId: pool.id, tags: ["bench"] }));
const importMs = performance.now() - t0;
if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
const t1 = performance.now();
const again = await importNodes(SYSTEM_ACTOR, importNodesSchema.parse({ text, poolId: pool.id }));
const reimportMs = performance.now() - t1;
if (!again.ok) throw new Error("reimport");

async function time(name: string, query: Record<string, string>, runs = 30) {
  const parsed = nodeListQuerySchema.parse(query);
  await listNodes(parsed); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await listNodes(parsed);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(1);
  console.log(`  ${name.padEnd(44)} p50 ${pct(0.5).padStart(6)} ms   p95 ${pct(0.95).padStart(6)} ms`);
  // Goal: a nodes-table answer within 150 ms p95 at 10,000 nodes.
  reportFigure({ name: `nodes table ${NODES.toLocaleString("en-US")}: ${name} p95`, value: Number(pct(0.95)), unit: "ms", goal: 150, better: "lower" });
}

console.log(`\nSwitchyard registry benchmark (${NODES} nodes, embedded PostgreSQL 17, Node ${process.version})`);
console.log(`  import ${NODES} lines (4 formats, pool + tag)     ${importMs.toFixed(0)} ms  → ${result.report.added} added, ${result.report.invalid} invalid`);
console.log(`  re-import the same list (all duplicates)      ${reimportMs.toFixed(0)} ms  → ${again.report.duplicate} duplicate`);
console.log("  nodes table queries (one API call each):");
// Goal: importing 10,000 lines within 5 s (operators paste whole provider lists).
reportFigure({ name: `import ${NODES.toLocaleString("en-US")} lines`, value: Math.round(importMs), unit: "ms", goal: 5_000 * (NODES / 10_000), better: "lower" });
await time("first page, newest first (50 rows)", {});
await time("last page (offset 9,950)", { page: String(Math.ceil(NODES / 50)) });
await time("250 rows sorted by host", { pageSize: "250", sort: "host", direction: "asc" });
await time("search '10.0.1' (substring of host)", { search: "10.0.1" });
await time("filter pool + tag + state", { poolId: pool.id, tag: "bench", state: "ENABLED" });
await time("filter scheme=socks5, sort by port", { scheme: "socks5", sort: "port" });
console.log(`  peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);

await prisma.$disconnect();
await database.stop();
rmSync(dataDir, { recursive: true, force: true });
