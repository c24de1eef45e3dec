import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "@/generated/prisma/client";
import { applyMigrations } from "@/lib/db/migrate";
import { prisma } from "@/lib/db/prisma";
import { seedOneNodePool } from "@/lib/db/testing/seed-one-node-pool";
import { bucketOf, type FaultClass } from "@/lib/probe/fault-taxonomy";
import type { ProbeAttempt } from "@/lib/probe/probe-check";
import { closeResultWriterPool, insertProbeResults } from "@/lib/probe/result-writer";
import { STATS_WATERMARK } from "./db";
import { statsOverview } from "./overview";
import { rollUpStats } from "./rollup";

// A result whose check started before the rollup's watermark (a check with a long timeout, a long
// relay through the gateway) used to be stored behind it: no rollup folded it and no raw tail read
// it, so it was in no figure. Now it is filed at the watermark, under the watermark's row lock.
// Own database: the test moves the one "stats" watermark, which other test files read.
const dbName = `late_results_${randomUUID().replaceAll("-", "")}`;
let db: PrismaClient;
let url: string;
let sharedUrl: string | undefined;
const nodeId = randomUUID();
const targetId = randomUUID();
const poolId = randomUUID();

beforeAll(async () => {
  await prisma.$executeRawUnsafe(`CREATE DATABASE "${dbName}"`);
  const own = new URL(process.env.DATABASE_URL!);
  own.pathname = `/${dbName}`;
  url = own.toString();
  await applyMigrations(url);
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  await seedOneNodePool(db, { nodeId, targetId, poolId });
  // The result writer has its own connection pool, made from DATABASE_URL on first use.
  await closeResultWriterPool();
  sharedUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url;
}, 120_000);

afterAll(async () => {
  await closeResultWriterPool();
  process.env.DATABASE_URL = sharedUrl;
  await db?.$disconnect();
  await prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
});

function attempt(startedAt: Date, faultClass: FaultClass, totalMs: number): ProbeAttempt {
  return {
    nodeId, targetId, targetUrl: "http://127.0.0.1:9/", startedAt, connectMs: 1, tlsMs: null, firstByteMs: null, totalMs,
    status: null, bytes: 0, exitIp: null, faultClass, bucket: bucketOf(faultClass), responder: "none", responderEvidence: "phase",
    faultOrigin: "proxy", originEvidence: "phase", reason: "test", errorDetail: null,
  };
}

async function watermark(): Promise<Date> {
  const [row] = await db.$queryRaw<{ ms: number }[]>`SELECT extract(epoch FROM "rolledUpTo")::float8 * 1000 AS ms FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}`;
  return new Date(row.ms);
}

async function storedStart(reason: string): Promise<Date> {
  const [row] = await db.$queryRaw<{ ms: number }[]>`SELECT extract(epoch FROM "startedAt")::float8 * 1000 AS ms FROM "ProbeResult" WHERE "reason" = ${reason}`;
  return new Date(row.ms);
}

describe("results that arrive after the rollup passed their start", () => {
  it("are filed at the watermark and counted once, before and after the next rollup", async () => {
    const now = new Date();
    await insertProbeResults([attempt(new Date(now.getTime() - 120_000), "ok", 40), attempt(new Date(now.getTime() - 110_000), "ok", 40), attempt(new Date(now.getTime() - 100_000), "ok", 40)]);
    await rollUpStats(new Date(now.getTime() - 30_000), { db });
    const mark = await watermark();
    expect(mark.getTime()).toBeGreaterThan(now.getTime() - 100_000);

    // A check with a 5-minute timeout that started 5 minutes ago and timed out just now.
    await insertProbeResults([{ ...attempt(new Date(now.getTime() - 300_000), "upstream_timeout", 300_000), reason: "late" }]);
    expect((await storedStart("late")).getTime()).toBe(mark.getTime());
    // Its timings are its own; only the time it is filed under moved.
    const [late] = await db.$queryRaw<{ totalMs: number }[]>`SELECT "totalMs" FROM "ProbeResult" WHERE "reason" = 'late'`;
    expect(late.totalMs).toBe(300_000);

    const before = await statsOverview({ window: "15m", poolId }, db, new Date());
    expect(before).toMatchObject({ requests: 4, ok: 3, count504: 1 });
    await rollUpStats(new Date(Date.now() + 60_000), { db });
    const after = await statsOverview({ window: "15m", poolId }, db, new Date());
    expect(after).toMatchObject({ requests: 4, ok: 3, count504: 1 });
    // Results that came in on time keep their start times.
    const [{ n }] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "ProbeResult" WHERE "startedAt" = ${new Date(now.getTime() - 120_000)}::timestamptz`;
    expect(n).toBe(1);
  });

  it("waits while a rollup holds the watermark and files behind where it moved", async () => {
    const rollup = new pg.Client({ connectionString: url });
    await rollup.connect();
    try {
      const mark = await watermark();
      await rollup.query("BEGIN");
      await rollup.query(`SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = $1 FOR UPDATE`, [STATS_WATERMARK]);
      let written = false;
      const writing = insertProbeResults([{ ...attempt(new Date(mark.getTime() + 1_000), "ok", 40), reason: "during-rollup" }]).then(() => {
        written = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(written).toBe(false);
      const moved = new Date(mark.getTime() + 5_000);
      await rollup.query(`UPDATE "ProbeRollupWatermark" SET "rolledUpTo" = $1 WHERE "name" = $2`, [moved, STATS_WATERMARK]);
      await rollup.query("COMMIT");
      await writing;
      expect((await storedStart("during-rollup")).getTime()).toBe(moved.getTime());
    } finally {
      await rollup.query("ROLLBACK").catch(() => undefined);
      await rollup.end();
    }
  });
});
