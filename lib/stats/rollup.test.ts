import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "@/generated/prisma/client";
import { applyMigrations } from "@/lib/db/migrate";
import { seedOneNodePool } from "@/lib/db/testing/seed-one-node-pool";
import { prisma } from "@/lib/db/prisma";
import { pruneRawResults } from "@/lib/probe/result-retention";
import { histIndexSql, toHistogram } from "./latency-histogram";
import { rollUpStats } from "./rollup";
import { ALL_POOLS_KEY } from "./windows";

// Issue 12.10: a backlog is folded in bounded chunks within a time budget, over several rounds,
// with its lag reported, and pruning proceeds behind it. Runs on its own database, so the one
// "stats" watermark is this test's alone.
let db: PrismaClient;
const dbName = `rollup_${randomUUID().replaceAll("-", "")}`;
const nodeId = randomUUID();
const targetId = randomUUID();
const poolId = randomUUID();
const BASE = Date.parse("2020-01-01T00:00:00Z");
const BACKLOG = 5_000;
const TIED = 600; // rows sharing one millisecond, more than a chunk

beforeAll(async () => {
  await prisma.$executeRawUnsafe(`CREATE DATABASE "${dbName}"`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${dbName}`;
  await applyMigrations(url.toString());
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.toString() }) });
  await seedOneNodePool(db, { nodeId, targetId, poolId });
  // 5,000 results over two hours (one every 1.44 s), classes cycling, plus 600 in one millisecond.
  await db.$executeRaw`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
    SELECT ${nodeId}::uuid, ${targetId}::uuid, ${new Date(BASE)}::timestamptz + (i * interval '1440 milliseconds'),
           10 + i % 90, (ARRAY['ok','proxy_502','upstream_timeout','blocked'])[1 + i % 4], 'x', 'x', 'bench'
    FROM generate_series(0, ${BACKLOG - 1}) AS i`;
  await db.$executeRaw`
    INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
    SELECT ${nodeId}::uuid, ${targetId}::uuid, ${new Date(BASE + 30 * 60_000 + 7)}::timestamptz, 20, 'ok', 'ok', 'none', 'tied'
    FROM generate_series(1, ${TIED})`;
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
});

describe("the stats rollup works in bounded chunks and catches up over several rounds", () => {
  it("folds at most one chunk per transaction, reports its lag, and catches up exactly", async () => {
    const until = new Date(BASE + 3 * 3_600_000);
    const rounds = [];
    for (let round = 0; round < 100; round++) {
      // A zero budget: each round folds one chunk and stops, like a worker on a loaded machine.
      const run = await rollUpStats(until, { db, chunkRows: 500, budgetMs: 0 });
      rounds.push(run);
      if (run.caughtUp) break;
    }
    const total = BACKLOG + TIED;
    expect(rounds.length).toBeGreaterThanOrEqual(10);
    expect(rounds.at(-1)!.caughtUp).toBe(true);
    expect(rounds.at(-1)!.lagSeconds).toBe(0);
    expect(rounds[0]).toMatchObject({ caughtUp: false, chunks: 1 });
    expect(rounds[0].lagSeconds).toBeGreaterThan(3_600);
    // Lag only shrinks; no chunk is larger than 500 rows except the one that holds the 600 tied rows.
    for (let i = 1; i < rounds.length; i++) expect(rounds[i].lagSeconds).toBeLessThanOrEqual(rounds[i - 1].lagSeconds);
    expect(rounds.filter((r) => r.rawRows > 500).map((r) => r.rawRows)).toEqual([expect.any(Number)]);
    expect(rounds.reduce((sum, r) => sum + r.rawRows, 0)).toBe(total);

    const [sums] = await db.$queryRaw<Array<{ minute: bigint; pool: bigint; node5: bigint; node60: bigint; nodeTarget: bigint }>>`
      SELECT (SELECT sum("count") FROM "StatsRollupMinute" WHERE "poolKey" = ${ALL_POOLS_KEY}::uuid) AS minute,
             (SELECT sum("count") FROM "StatsRollupMinute" WHERE "poolKey" = ${poolId}::uuid) AS pool,
             (SELECT sum("count") FROM "StatsRollupNode" WHERE "grainMinutes" = 5) AS node5,
             (SELECT sum("count") FROM "StatsRollupNode" WHERE "grainMinutes" = 60) AS node60,
             (SELECT sum("count") FROM "StatsRollupNodeTarget") AS "nodeTarget"`;
    expect(Object.values(sums).map(Number)).toEqual([total, total, total, total, total]);
    // Per minute, class and origin, exactly the raw counts (chunks split minutes; the upserts add up).
    const mismatches = await db.$queryRaw<unknown[]>`
      SELECT * FROM (SELECT to_timestamp(floor(extract(epoch FROM "startedAt") / 60) * 60) AS minute, "faultClass", "faultOrigin", count(*)::int AS n FROM "ProbeResult" GROUP BY 1, 2, 3) raw
      FULL JOIN (SELECT "minute", "faultClass", "faultOrigin", "count" FROM "StatsRollupMinute" WHERE "poolKey" = ${ALL_POOLS_KEY}::uuid) r USING ("minute", "faultClass", "faultOrigin")
      WHERE raw.n IS DISTINCT FROM r."count"`;
    expect(mismatches).toEqual([]);
    // Latency histograms and sums too, per minute (all pools) and per 5-minute and hourly node bucket, against the raw rows counted here.
    // (Each row's bucket index from the same SQL expression the rollup uses; JS's log2 differs from SQL's ln ratio at exact bucket edges.)
    const raw = await db.$queryRaw<{ ms: number; totalMs: number; idx: number; faultClass: string; faultOrigin: string }[]>`
      SELECT extract(epoch FROM "startedAt")::float8 * 1000 AS ms, "totalMs", ${histIndexSql('"totalMs"')} AS idx, "faultClass", "faultOrigin" FROM "ProbeResult"`;
    const expected = new Map<string, { hist: number[]; sum: number }>();
    for (const r of raw) {
      for (const [grain, width] of [["minute", 60_000], ["node5", 300_000], ["node60", 3_600_000]] as const) {
        const key = `${grain} ${Math.floor(r.ms / width) * width} ${r.faultClass} ${r.faultOrigin}`;
        const e = expected.get(key) ?? { hist: toHistogram(null), sum: 0 };
        e.hist[r.idx]++;
        e.sum += r.totalMs;
        expected.set(key, e);
      }
    }
    const rolled = await db.$queryRaw<{ grain: string; ms: number; faultClass: string; faultOrigin: string; hist: number[]; sum: number }[]>`
      SELECT 'minute' AS grain, extract(epoch FROM "minute")::float8 * 1000 AS ms, "faultClass", "faultOrigin", "hist", "totalMsSum"::float8 AS sum
      FROM "StatsRollupMinute" WHERE "poolKey" = ${ALL_POOLS_KEY}::uuid
      UNION ALL
      SELECT CASE "grainMinutes" WHEN 5 THEN 'node5' ELSE 'node60' END, extract(epoch FROM "bucketStart")::float8 * 1000, "faultClass", "faultOrigin", "hist", "totalMsSum"::float8
      FROM "StatsRollupNode"`;
    expect(rolled.length).toBe(expected.size);
    for (const r of rolled) {
      const e = expected.get(`${r.grain} ${r.ms} ${r.faultClass} ${r.faultOrigin}`);
      expect(toHistogram(r.hist), `${r.grain} ${new Date(r.ms).toISOString()} ${r.faultClass} ${r.faultOrigin}`).toEqual(e?.hist);
      expect(r.sum).toBeCloseTo(e!.sum, 3);
    }
    expect(await rollUpStats(until, { db, chunkRows: 500, budgetMs: 0 })).toMatchObject({ rawRows: 0, caughtUp: true });
  });

  it("pruning proceeds behind the watermark in bounded batches and keeps rows not yet folded", async () => {
    await db.$executeRaw`
      INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "totalMs", "faultClass", "bucket", "faultOrigin", "reason")
      VALUES (${nodeId}::uuid, ${targetId}::uuid, ${new Date(BASE + 3.5 * 3_600_000)}, 5, 'ok', 'ok', 'none', 'late')`;
    const first = await pruneRawResults(new Date("2099-01-01T00:00:00Z"), { db, chunkRows: 1_000, budgetMs: 0 });
    expect(first).toMatchObject({ rows: 1_000, steps: 1, done: false });
    let deleted = first.rows;
    for (let round = 0; round < 20; round++) {
      const run = await pruneRawResults(new Date("2099-01-01T00:00:00Z"), { db, chunkRows: 1_000, budgetMs: 0 });
      deleted += run.rows;
      if (run.done) break;
    }
    expect(deleted).toBe(BACKLOG + TIED);
    // The 03:30 result is past the watermark (03:00): kept until it is rolled up.
    expect(await db.probeResult.count()).toBe(1);
  });
});
