import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "@/generated/prisma/client";
import { applyMigrations } from "@/lib/db/migrate";
import { prisma } from "@/lib/db/prisma";
import { projectRootWithMigrationsBefore } from "@/lib/db/testing/migrations-before";
import { seedOneNodePool } from "@/lib/db/testing/seed-one-node-pool";
import type { StatsDb } from "@/lib/stats/db";
import { nodeTargetHeatMap } from "@/lib/stats/heat-map";
import { nodeHistory } from "@/lib/stats/node-history";
import { statsOverview } from "@/lib/stats/overview";
import { rollUpStats } from "@/lib/stats/rollup";
import { statsTimeSeries } from "@/lib/stats/time-series";
import { topOffendingNodes } from "@/lib/stats/top-nodes";
import { topOffendingTargets } from "@/lib/stats/top-targets";
import { ALL_POOLS_KEY } from "@/lib/stats/windows";
import {
  ensureResultPartitions,
  listResultPartitions,
  PARTITION_LOCK_TIMEOUT_MS,
  PARTITIONING_MIGRATION,
  partitionMinutesFromEnv,
  type ResultPartition,
} from "./result-partitions";
import { pruneRawResults } from "./result-retention";

// Issue 15: raw results partitioned by time. Runs on its own database: it migrates it to the
// state before partitioning, stores results the old way, then applies the partitioning migration
// and works the partitions (creating, moving, dropping) where no other test file can see it.
const HOUR = 3_600_000;
const dbName = `partitions_${randomUUID().replaceAll("-", "")}`;
let url: string;
let db: PrismaClient;
let oldRoot: string;
const nodeId = randomUUID();
const targetId = randomUUID();
const poolId = randomUUID();
const now = new Date();
const OLD_ROWS = 300;
let migrationStarted: number;
let migrationEnded: number;

async function insertResult(startedAt: Date, reason = "test"): Promise<string> {
  const [row] = await db.$queryRaw<{ partition: string }[]>`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
    VALUES (${nodeId}::uuid, ${targetId}::uuid, ${startedAt}, 42, 'proxy_502', '502', 'proxy', ${reason})
    RETURNING tableoid::regclass::text AS partition`;
  return row.partition.replaceAll('"', "");
}

/**
 * Dashboard clients polling back to back (three at once) with the overview's raw-tail queries at
 * `at`, until stopped: how many rounds ran and every error one of them met.
 */
function pollDashboard(at: Date) {
  let stopped = false;
  const errors: unknown[] = [];
  let rounds = 0;
  const clients = [0, 1, 2].map(async () => {
    while (!stopped) {
      try {
        await Promise.all([
          statsOverview({ window: "24h" }, db, at),
          statsTimeSeries({ window: "24h" }, db, at),
          topOffendingNodes({ window: "24h" }, 10, db, at),
          topOffendingTargets({ window: "1h", poolId }, 10, db, at),
          nodeTargetHeatMap({ window: "24h" }, 30, db, at),
          nodeHistory(nodeId, "24h", db, at),
        ]);
        rounds++;
      } catch (error) {
        errors.push(error);
      }
    }
  });
  return {
    rounds: () => rounds,
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
      return { rounds, errors };
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The oldest range partition with 10 results in it, rolled up to its end (so retention may take it), and the next one with 10 raw ones. */
async function expiringPartition(reason: string) {
  const [next, tail] = (await listResultPartitions(db)).filter((p) => !p.isDefault);
  for (const p of [next, tail]) for (let i = 0; i < 10; i++) await insertResult(new Date(p.from!.getTime() + i * 60_000 + 1_000), reason);
  for (let round = 0; round < 50 && !(await rollUpStats(next.to!, { db, budgetMs: 5_000 })).caughtUp; round++);
  return { next, tail, at: new Date(next.to!.getTime() + 30 * 60_000) };
}

const partitionOf = (partitions: ResultPartition[], at: Date) =>
  partitions.find((p) => !p.isDefault && (p.from === null || p.from <= at) && p.to !== null && at < p.to)?.name ?? partitions.find((p) => p.isDefault)?.name;

beforeAll(async () => {
  await prisma.$executeRawUnsafe(`CREATE DATABASE "${dbName}"`);
  const address = new URL(process.env.DATABASE_URL!);
  address.pathname = `/${dbName}`;
  url = address.toString();
  // Migrations up to just before partitioning: the database as it was.
  oldRoot = projectRootWithMigrationsBefore(PARTITIONING_MIGRATION);
  await applyMigrations(url, oldRoot);

  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  await seedOneNodePool(db, { nodeId, targetId, poolId });
  // The old, unpartitioned table: 300 results over the last 3 hours, and one dated 3 days ahead (a skewed clock).
  await db.$executeRaw`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
    SELECT ${nodeId}::uuid, ${targetId}::uuid, ${new Date(now.getTime() - 3 * HOUR)}::timestamptz + i * interval '36 seconds',
           10 + i % 90, (ARRAY['ok','proxy_502','upstream_timeout','blocked'])[1 + i % 4], 'x', 'x', 'old'
    FROM generate_series(0, ${OLD_ROWS - 1}) AS i`;
  await db.$executeRaw`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
    VALUES (${nodeId}::uuid, ${targetId}::uuid, ${new Date(now.getTime() + 72 * HOUR)}, 5, 'ok', 'ok', 'none', 'skewed')`;
  migrationStarted = Math.floor(Date.now() / 1000) * 1000;
  await applyMigrations(url);
  migrationEnded = Date.now();
}, 180_000);

afterAll(async () => {
  await db?.$disconnect();
  await prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  if (oldRoot) rmSync(oldRoot, { recursive: true, force: true });
});

describe("raw results partitioned by time", () => {
  it("the migration attaches the existing table as a partition (no row copied, none lost) and moves future-dated rows to the default partition", async () => {
    const partitions = await listResultPartitions(db);
    expect(partitions.map((p) => ({ ...p, to: p.to?.getTime() }))).toEqual([
      { name: "ProbeResult_legacy", isDefault: false, from: null, to: expect.any(Number) },
      { name: "ProbeResult_default", isDefault: true, from: null, to: undefined },
    ]);
    // The legacy partition ends when the migration ran (whole seconds).
    expect(partitions[0].to!.getTime()).toBeGreaterThanOrEqual(migrationStarted);
    expect(partitions[0].to!.getTime()).toBeLessThanOrEqual(migrationEnded);
    expect(partitions[0].to!.getTime() % 1000).toBe(0);

    const where = await db.$queryRaw<{ partition: string; reason: string; n: bigint }[]>`
      SELECT tableoid::regclass::text AS partition, "reason", count(*) AS n FROM "ProbeResult" GROUP BY 1, 2 ORDER BY 1, 2`;
    expect(where.map((r) => [r.partition.replaceAll('"', ""), r.reason, Number(r.n)])).toEqual([
      ["ProbeResult_default", "skewed", 1],
      ["ProbeResult_legacy", "old", OLD_ROWS],
    ]);
    // The primary key includes the partition column; ids continue from the same sequence.
    const [pk] = await db.$queryRaw<{ columns: string[] }[]>`
      SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns
      FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, ord), pg_attribute a
      WHERE c.conname = 'ProbeResult_pkey' AND c.conrelid = '"ProbeResult"'::regclass AND a.attrelid = c.conrelid AND a.attnum = k.attnum`;
    expect(pk.columns).toEqual(["id", "startedAt"]);
    const [{ maxId }] = await db.$queryRaw<{ maxId: bigint }[]>`SELECT max("id") AS "maxId" FROM "ProbeResult"`;
    await insertResult(now, "after-migration");
    const [{ id }] = await db.$queryRaw<{ id: bigint }[]>`SELECT "id" FROM "ProbeResult" WHERE "reason" = 'after-migration'`;
    expect(id).toBeGreaterThan(maxId);
    // Prisma's own queries on the composite key still work.
    expect(await db.probeResult.count({ where: { nodeId } })).toBe(OLD_ROWS + 2);
    const latest = await db.probeResult.findFirstOrThrow({ where: { nodeId }, orderBy: { startedAt: "desc" } });
    expect(latest.reason).toBe("skewed");
  });

  it("creates contiguous partitions ahead of time, and inserts across a boundary land on either side of it", async () => {
    expect(partitionMinutesFromEnv({})).toBe(60);
    expect(() => partitionMinutesFromEnv({ SWITCHYARD_RESULT_PARTITION_MINUTES: "0.5" })).toThrow(/SWITCHYARD_RESULT_PARTITION_MINUTES/);
    const run = await ensureResultPartitions({ db, now, widthMinutes: 60 });
    expect(run.created.length).toBeGreaterThanOrEqual(4);
    expect(run.movedRows).toBe(0);
    const partitions = await listResultPartitions(db);
    const ranges = partitions.filter((p) => !p.isDefault);
    for (let i = 1; i < ranges.length; i++) {
      expect(ranges[i].from!.getTime()).toBe(ranges[i - 1].to!.getTime());
      if (i > 1) expect(ranges[i].to!.getTime() - ranges[i].from!.getTime()).toBe(HOUR);
    }
    expect(ranges.at(-1)!.to!.getTime()).toBeGreaterThanOrEqual(now.getTime() + 6 * HOUR);
    // Running again creates nothing.
    expect(await ensureResultPartitions({ db, now, widthMinutes: 60 })).toEqual({ created: [], movedRows: 0, deferred: false });

    const boundary = ranges[2].from!;
    expect(await insertResult(new Date(boundary.getTime() - 1), "before-boundary")).toBe(ranges[1].name);
    expect(await insertResult(boundary, "at-boundary")).toBe(ranges[2].name);
    // Past the last partition and before the first: the default partition and the legacy one take them.
    expect(await insertResult(new Date(now.getTime() + 30 * 24 * HOUR), "far-future")).toBe("ProbeResult_default");
    expect(await insertResult(new Date("2001-01-01T00:00:00Z"), "ancient")).toBe("ProbeResult_legacy");
    const counted = await db.$queryRaw<{ reason: string }[]>`
      SELECT "reason" FROM "ProbeResult" WHERE "startedAt" >= ${new Date(boundary.getTime() - 1)} AND "startedAt" <= ${boundary} ORDER BY "startedAt"`;
    expect(counted.map((r) => r.reason)).toEqual(["before-boundary", "at-boundary"]);
  });

  it("a partition created over rows waiting in the default partition takes them, in the same transaction", async () => {
    const later = new Date(now.getTime() + 3 * 24 * HOUR);
    const [{ total: before }] = await db.$queryRaw<{ total: bigint }[]>`SELECT count(*) AS total FROM "ProbeResult"`;
    // Three days without the job, and another width from now on (6 h): the new partitions start at the
    // current 6-hour boundary (the gap stays with the default partition) and take the skewed row.
    const run = await ensureResultPartitions({ db, now: later, widthMinutes: 360 });
    expect(run.movedRows).toBe(1);
    const partitions = await listResultPartitions(db);
    expect(partitions.find((p) => p.name === run.created[0])!.from!.getTime()).toBe(Math.floor(later.getTime() / (6 * HOUR)) * 6 * HOUR);
    expect(partitions.filter((p) => !p.isDefault).at(-1)!.to!.getTime()).toBeGreaterThanOrEqual(later.getTime() + 24 * HOUR);
    const where = await db.$queryRaw<{ partition: string; reason: string }[]>`
      SELECT tableoid::regclass::text AS partition, "reason" FROM "ProbeResult" WHERE "reason" IN ('skewed', 'far-future') ORDER BY "reason"`;
    expect(where.map((r) => [r.reason, r.partition.replaceAll('"', "")])).toEqual([
      ["far-future", "ProbeResult_default"],
      ["skewed", partitionOf(partitions, new Date(now.getTime() + 72 * HOUR))],
    ]);
    expect(where[1].partition).not.toContain("default");
    const [{ total: after }] = await db.$queryRaw<{ total: bigint }[]>`SELECT count(*) AS total FROM "ProbeResult"`;
    expect(after).toBe(before);
  });

  it("retention drops expired partitions whole behind the rollup watermark, keeps the rest, and the figures do not change", async () => {
    const ranges = (await listResultPartitions(db)).filter((p) => !p.isDefault);
    const [p0, p1, p2, p3] = ranges.slice(1);
    for (const p of [p0, p1, p2, p3]) for (let i = 0; i < 10; i++) await insertResult(new Date(p.from!.getTime() + i * 60_000 + 1_000), "kept?");
    // Fold everything up to the end of p2; p3 stays raw (behind the watermark nothing may go).
    const fold = p2.to!;
    for (let round = 0; round < 50 && !(await rollUpStats(fold, { db, budgetMs: 5_000 })).caughtUp; round++);
    const figuresAt = new Date(p3.to!.getTime());
    const overviewBefore = await statsOverview({ window: "7d" }, db, figuresAt);
    const poolBefore = await statsOverview({ window: "7d", poolId }, db, figuresAt);
    const [{ total: rolledBefore }] = await db.$queryRaw<{ total: bigint }[]>`
      SELECT sum("count") AS total FROM "StatsRollupMinute" WHERE "poolKey" = ${ALL_POOLS_KEY}::uuid`;

    // Retention asks for everything before p3's end: only partitions ending at or before the watermark (p2's end) go.
    const run = await pruneRawResults(p3.to!, { db });
    expect(run.partitionsDropped).toEqual(["ProbeResult_legacy", p0.name, p1.name, p2.name]);
    expect(run.partitionsDeferred).toBe(0);
    const left = await listResultPartitions(db);
    expect(left.map((p) => p.name)).not.toContain(p2.name);
    expect(left.map((p) => p.name)).toContain(p3.name);
    // p3's rows and everything newer are still there; the rows that went are in the rollups.
    const rows = await db.$queryRaw<{ partition: string; n: bigint }[]>`
      SELECT tableoid::regclass::text AS partition, count(*) AS n FROM "ProbeResult" WHERE "reason" = 'kept?' GROUP BY 1`;
    expect(rows.map((r) => [r.partition.replaceAll('"', ""), Number(r.n)])).toEqual([[p3.name, 10]]);
    expect(await statsOverview({ window: "7d" }, db, figuresAt)).toEqual(overviewBefore);
    expect(await statsOverview({ window: "7d", poolId }, db, figuresAt)).toEqual(poolBefore);
    const [{ total: rolledAfter }] = await db.$queryRaw<{ total: bigint }[]>`
      SELECT sum("count") AS total FROM "StatsRollupMinute" WHERE "poolKey" = ${ALL_POOLS_KEY}::uuid`;
    expect(rolledAfter).toBe(rolledBefore);
    expect(overviewBefore.requests).toBeGreaterThan(OLD_ROWS + 40);
  });

  it("a drop that cannot get its lock in time is left for the next round instead of blocking inserts", async () => {
    const ranges = (await listResultPartitions(db)).filter((p) => !p.isDefault);
    const next = ranges[0];
    for (let round = 0; round < 50 && !(await rollUpStats(next.to!, { db, budgetMs: 5_000 })).caughtUp; round++);
    // A long reader holds ProbeResult: the drop waits PARTITION_LOCK_TIMEOUT_MS, then gives up.
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    try {
      await reader.query("BEGIN");
      await reader.query(`SELECT count(*) FROM "ProbeResult"`);
      const started = performance.now();
      const blocked = await pruneRawResults(next.to!, { db });
      expect(blocked.partitionsDropped).toEqual([]);
      expect(blocked.partitionsDeferred).toBe(1);
      // This reader reads every partition, that one too: it cannot even be emptied.
      expect(blocked.partitionsEmptied).toEqual([]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(PARTITION_LOCK_TIMEOUT_MS - 100);
      expect((await listResultPartitions(db)).map((p) => p.name)).toContain(next.name);
      // Inserts were not queued behind the failed drop.
      expect(await insertResult(new Date(ranges.at(-1)!.from!.getTime() + 1), "while-blocked")).toBe(ranges.at(-1)!.name);
    } finally {
      await reader.query("ROLLBACK");
      await reader.end();
    }
    expect((await pruneRawResults(next.to!, { db })).partitionsDropped).toEqual([next.name]);
  });
  it("retention drops an expired partition while dashboard queries run in a loop", async () => {
    const { next, at } = await expiringPartition("dashboard-loop");
    const figuresBefore = await statsOverview({ window: "24h" }, db, at);
    const dashboard = pollDashboard(at);
    await until(() => dashboard.rounds() >= 3, "the dashboard loop to run");
    const run = await pruneRawResults(next.to!, { db });
    const roundsDuringDrop = dashboard.rounds();
    const polled = await dashboard.stop();
    expect(run.partitionsDropped).toEqual([next.name]);
    expect(polled.errors).toEqual([]);
    expect(polled.rounds).toBeGreaterThanOrEqual(roundsDuringDrop);
    expect((await listResultPartitions(db)).map((p) => p.name)).not.toContain(next.name);
    expect(await statsOverview({ window: "24h" }, db, at)).toEqual(figuresBefore);
  });

  it("while a long dashboard query keeps ProbeResult busy, retention empties the expired partition at once (the query never touched it) and drops it once the query is done", async () => {
    const { next, tail, at } = await expiringPartition("long-query");
    const figuresBefore = await statsOverview({ window: "24h" }, db, at);
    // A dashboard statement that takes long (a loaded machine): its transaction keeps the locks of
    // everything its plan held — with the raw tail's constant bounds, not the expired partition.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const longQuery = db.$transaction(
      async (tx) => {
        await statsOverview({ window: "24h" }, tx as unknown as StatsDb, at);
        holding = true;
        await released;
      },
      { timeout: 120_000 },
    );
    const dashboard = pollDashboard(at);
    try {
      await until(() => holding && dashboard.rounds() >= 3, "the long query and the dashboard loop");
      const run = await pruneRawResults(next.to!, { db });
      // The drop needs ProbeResult itself (the long query holds it): deferred; the partition's rows are gone all the same.
      expect(run.partitionsDropped).toEqual([]);
      expect(run.partitionsEmptied).toEqual([next.name]);
      const [{ n }] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${next.name}"`);
      expect(Number(n)).toBe(0);
      const [{ n: tailRows }] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${tail.name}" WHERE "reason" = 'long-query'`);
      expect(Number(tailRows)).toBe(10);
    } finally {
      release();
      await longQuery;
    }
    const polled = await dashboard.stop();
    expect(polled.errors).toEqual([]);
    // Its rows were in the rollups: the figures did not move.
    expect(await statsOverview({ window: "24h" }, db, at)).toEqual(figuresBefore);
    const again = await pruneRawResults(next.to!, { db });
    expect(again.partitionsDropped).toEqual([next.name]);
  });
});
