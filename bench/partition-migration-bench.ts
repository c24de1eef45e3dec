/**
 * How long the migration that partitions ProbeResult takes on a table that already holds results
 * (it copies no rows: the old table becomes the first partition, which costs a primary-key index
 * build and a scan). A database is built as it was before that migration, filled with N results
 * over the last 48 h, then migrated; the same-run baseline is `prisma migrate deploy` with nothing
 * to apply (the CLI's own start-up), subtracted to give seconds per million rows.
 * Run: npm run bench:partition-migration   (BENCH_SHORT=1: 200,000 rows; else BENCH_ROWS, default 1,000,000)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { projectRootWithMigrationsBefore } from "@/lib/db/testing/migrations-before";
import { findFreePort } from "@/lib/net/free-port";
import { PARTITIONING_MIGRATION } from "@/lib/probe/result-partitions";
import { BENCH_SHORT, reportFigure } from "./bench-report";

const ROWS = Number(process.env.BENCH_ROWS ?? (BENCH_SHORT ? 200_000 : 1_000_000));
const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-partition-migration-bench-"));
const oldRoot = projectRootWithMigrationsBefore(PARTITIONING_MIGRATION);
const database = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), throwAway: true });
const client = new pg.Client({ connectionString: database.url });
try {
  await applyMigrations(database.url, oldRoot);
  await client.connect();
  await client.query(`INSERT INTO "ProxyNode" ("id", "scheme", "host", "port", "updatedAt")
    SELECT gen_random_uuid(), 'http', '10.77.' || (i / 256) || '.' || (i % 256), 8080, now() FROM generate_series(1, 1000) i`);
  await client.query(`INSERT INTO "ProbeTarget" ("id", "url") SELECT gen_random_uuid(), 'http://bench-' || t || '.test/' FROM generate_series(1, 5) t`);
  const filled = performance.now();
  await client.query(`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "status", "faultClass", "bucket", "faultOrigin", "reason")
    SELECT n.ids[1 + i % 1000], t.ids[1 + i % 5], now() - (i * $2::float8) * interval '1 second', 20 + i % 400, 200, 'ok', 'ok', 'none', 'bench'
    FROM generate_series(1, $1::int) i,
         (SELECT array_agg("id") AS ids FROM "ProxyNode") n, (SELECT array_agg("id") AS ids FROM "ProbeTarget") t`, [ROWS, 172_800 / ROWS]);
  await client.query(`VACUUM ANALYZE "ProbeResult"`);
  const [{ mb }] = (await client.query(`SELECT pg_total_relation_size('"ProbeResult"') / 1048576 AS mb`)).rows;
  console.log(`partition migration bench: ${ROWS.toLocaleString("en")} results (${mb} MB with indexes) stored the old way in ${((performance.now() - filled) / 1000).toFixed(1)} s, Node ${process.version}`);

  let started = performance.now();
  await applyMigrations(database.url, oldRoot);
  const cliMs = performance.now() - started;
  started = performance.now();
  await applyMigrations(database.url);
  const migrateMs = performance.now() - started;
  const [{ n, partitions }] = (await client.query(`SELECT (SELECT count(*) FROM "ProbeResult")::int AS n,
    (SELECT string_agg(inhrelid::regclass::text, ', ') FROM pg_inherits WHERE inhparent = '"ProbeResult"'::regclass) AS partitions`)).rows;
  if (n !== ROWS) throw new Error(`after the migration ProbeResult holds ${n} rows, not ${ROWS}`);
  const perMillion = ((migrateMs - cliMs) / 1000) * (1_000_000 / ROWS);
  console.log(`migrate deploy with nothing to apply (baseline): ${(cliMs / 1000).toFixed(1)} s; with the partitioning migration: ${(migrateMs / 1000).toFixed(1)} s`);
  console.log(`→ ${perMillion.toFixed(1)} s per million existing rows; all ${n} rows kept, partitions: ${partitions}`);
  reportFigure({ name: `partitioning migration per 1M existing results (baseline CLI ${(cliMs / 1000).toFixed(1)} s)`, value: Number(perMillion.toFixed(1)), unit: "s", goal: 60, better: "lower" });
} finally {
  await client.end().catch(() => undefined);
  await database.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(oldRoot, { recursive: true, force: true });
}
process.exit(0);
