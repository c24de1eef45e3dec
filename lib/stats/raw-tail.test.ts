import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma, PrismaClient } from "@/generated/prisma/client";
import { applyMigrations } from "@/lib/db/migrate";
import { prisma } from "@/lib/db/prisma";
import { seedOneNodePool } from "@/lib/db/testing/seed-one-node-pool";
import { ensureResultPartitions, listResultPartitions, type ResultPartition } from "@/lib/probe/result-partitions";
import type { StatsDb } from "./db";
import { nodeTargetHeatMap } from "./heat-map";
import { nodeHealthFigures } from "./node-health";
import { nodeHistory } from "./node-history";
import { healthTableQuerySchema, listNodesByHealth } from "./node-table";
import { statsOverview } from "./overview";
import { poolClassCountsBetween } from "./pool-range-counts";
import { RAW_TAIL_CLOCK_SKEW_MS } from "./raw-tail";
import { resultCounts } from "./result-counts";
import { rollUpStats } from "./rollup";
import { statsTimeSeries } from "./time-series";
import { topOffendingNodes } from "./top-nodes";
import { topOffendingTargets } from "./top-targets";

// Issue 15: the dashboard's raw-tail queries name their bounds as constants, so the planner keeps
// only the partitions of ProbeResult the tail can be in (and locks only those). Every raw-tail
// statement is EXPLAINed with its real parameters and the partitions in its plan are checked.
// Own database: it makes ten-minute partitions a day ahead, where no other test file looks.
const MINUTE = 60_000;
const dbName = `raw_tail_${randomUUID().replaceAll("-", "")}`;
let db: PrismaClient;
const nodeId = randomUUID();
const targetId = randomUUID();
const poolId = randomUUID();
// "Now" for the queries: a day ahead (after the migration's legacy partition), 2 minutes past a
// ten-minute boundary, the watermark 5 minutes before it: the tail spans two partitions.
const now = new Date(Math.floor((Date.now() + 24 * 60 * MINUTE) / (10 * MINUTE)) * 10 * MINUTE + 2 * MINUTE);
const watermark = new Date(now.getTime() - 5 * MINUTE);
let partitions: ResultPartition[];

interface RecordedStatement {
  sql: string;
  partitions: string[];
}

/** Every relation a JSON plan scans. */
function relationNames(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(relationNames);
  if (!plan || typeof plan !== "object") return [];
  const node = plan as Record<string, unknown>;
  return [...(typeof node["Relation Name"] === "string" ? [node["Relation Name"]] : []), ...Object.values(node).flatMap(relationNames)];
}

/** A StatsDb that EXPLAINs each query with its parameters (what the planner keeps), then runs it. */
function explainingDb(base: PrismaClient, seen: RecordedStatement[]): StatsDb {
  const queryRaw = async (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => {
    const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...(values as Prisma.Sql[]));
    const [row] = await base.$queryRawUnsafe<Array<{ "QUERY PLAN": unknown }>>(`EXPLAIN (FORMAT JSON) ${sql.text}`, ...sql.values);
    const plan = typeof row["QUERY PLAN"] === "string" ? JSON.parse(row["QUERY PLAN"]) : row["QUERY PLAN"];
    seen.push({ sql: sql.text, partitions: [...new Set(relationNames(plan).filter((name) => name.startsWith("ProbeResult")))].sort() });
    return base.$queryRaw(sql);
  };
  return { $queryRaw: queryRaw, $executeRaw: base.$executeRaw.bind(base), $transaction: base.$transaction.bind(base) } as unknown as StatsDb;
}

/** Range partitions that overlap [from, until). */
function overlapping(from: Date, until: Date): string[] {
  return partitions.filter((p) => !p.isDefault && p.from !== null && p.to !== null && p.from < until && from < p.to).map((p) => p.name).sort();
}

beforeAll(async () => {
  await prisma.$executeRawUnsafe(`CREATE DATABASE "${dbName}"`);
  const address = new URL(process.env.DATABASE_URL!);
  address.pathname = `/${dbName}`;
  await applyMigrations(address.toString());
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: address.toString() }) });
  await seedOneNodePool(db, { nodeId, targetId, poolId });
  // Ten-minute partitions from 3 h before "now" to 3 h after it.
  await ensureResultPartitions({ db, now: new Date(now.getTime() - 3 * 60 * MINUTE), widthMinutes: 10 });
  partitions = await listResultPartitions(db);
  // A result every minute over the last 3 h, rolled up to 5 minutes before "now".
  await db.$executeRaw`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
    SELECT ${nodeId}::uuid, ${targetId}::uuid, ${now.toISOString()}::timestamptz - i * interval '1 minute' + interval '10 seconds',
           40, (ARRAY['ok','proxy_502','upstream_timeout'])[1 + i % 3], 'x', (ARRAY['none','proxy','network'])[1 + i % 3], 'tail'
    FROM generate_series(1, 180) AS i`;
  await rollUpStats(watermark, { db });
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
});

describe("raw-tail queries and ProbeResult partitions", () => {
  it("the set-up: ten-minute partitions, results in them, the watermark 5 minutes before now", async () => {
    expect(partitions.filter((p) => p.from !== null && !p.isDefault).length).toBeGreaterThanOrEqual(36);
    const [mark] = await db.$queryRaw<{ rolledUpTo: Date }[]>`SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = 'stats'`;
    expect(mark.rolledUpTo.getTime()).toBe(watermark.getTime());
    // Rows before the watermark are in the rollups, the rest is the tail: both counted once.
    const overview = await statsOverview({ window: "24h" }, db, now);
    expect(overview.requests).toBe(180);
  });

  it("each raw-tail statement plans only the partitions from the watermark to now (+ clock skew), whatever the window", async () => {
    // A live window's tail: [watermark, now + skew) — the partition holding the watermark and the
    // next one; never the legacy (MINVALUE) or the default partition, never older ones.
    const liveTail = overlapping(watermark, new Date(now.getTime() + RAW_TAIL_CLOCK_SKEW_MS));
    expect(liveTail).toHaveLength(2);
    // [name, call, whether its tail is empty by construction]
    const calls: Array<[string, (statsDb: StatsDb) => Promise<unknown>, boolean?]> = [
      ["overview 1 h", (s) => statsOverview({ window: "1h" }, s, now)],
      ["overview 7 d, one pool", (s) => statsOverview({ window: "7d", poolId }, s, now)],
      ["time series 24 h", (s) => statsTimeSeries({ window: "24h" }, s, now)],
      ["top nodes 24 h", (s) => topOffendingNodes({ window: "24h" }, 10, s, now)],
      ["top targets 1 h", (s) => topOffendingTargets({ window: "1h" }, 10, s, now)],
      ["heat map 24 h", (s) => nodeTargetHeatMap({ window: "24h" }, 30, s, now)],
      ["node health 1 h", (s) => nodeHealthFigures([nodeId], "1h", s, now)],
      ["node history 24 h", (s) => nodeHistory(nodeId, "24h", s, now)],
      // Its node filter reads the app's own database (no nodes of this one): no node, so no partition.
      ["nodes table by health", (s) => listNodesByHealth(healthTableQuerySchema.parse({}), s, now), true],
      ["api counts for a node", (s) => resultCounts({ window: "24h", nodeId }, s, now)],
      ["api counts for a node and target", (s) => resultCounts({ window: "1h", nodeId, targetId }, s, now)],
    ];
    for (const [name, call, emptyTail] of calls) {
      const seen: RecordedStatement[] = [];
      await call(explainingDb(db, seen));
      const tails = seen.filter((statement) => statement.sql.includes("greatest(coalesce(w.mark"));
      expect(tails.length, name).toBeGreaterThan(0);
      for (const tail of tails) {
        if (!emptyTail) expect(tail.partitions.length, name).toBeGreaterThan(0);
        expect(tail.partitions.every((partition) => liveTail.includes(partition)), `${name}: ${tail.partitions.join(", ")}`).toBe(true);
      }
    }
  });

  it("a custom range and an alert's window plan only the partitions of their part past the watermark", async () => {
    // A zoomed range ending 1 minute before now: [watermark, to).
    const to = new Date(now.getTime() - MINUTE);
    const seen: RecordedStatement[] = [];
    const explaining = explainingDb(db, seen);
    await statsOverview({ window: "1h", from: new Date(now.getTime() - 40 * MINUTE).toISOString(), to: to.toISOString() }, explaining, now);
    // An alert rule's 30-minute window ending now.
    await poolClassCountsBetween(poolId, new Date(now.getTime() - 30 * MINUTE), now, explaining);
    const tails = seen.filter((statement) => statement.sql.includes("greatest(coalesce(w.mark"));
    expect(tails).toHaveLength(2);
    expect(tails[0].partitions).toEqual(overlapping(watermark, to));
    expect(tails[1].partitions).toEqual(overlapping(watermark, now));
    // A range wholly before the watermark has no raw tail at all: no partition in the plan.
    seen.length = 0;
    await statsOverview({ window: "1h", from: new Date(now.getTime() - 50 * MINUTE).toISOString(), to: new Date(now.getTime() - 20 * MINUTE).toISOString() }, explaining, now);
    expect(seen.find((statement) => statement.sql.includes("greatest(coalesce(w.mark"))!.partitions).toEqual([]);
  });
});
