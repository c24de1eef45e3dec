import type { PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";

/**
 * ProbeResult is partitioned by range of "startedAt" (migration 20261130022000_partition_probe_results):
 * one partition per `SWITCHYARD_RESULT_PARTITION_MINUTES` (default 60), created ahead of time here,
 * dropped whole by retention (result-retention.ts). A default partition takes any row no range
 * partition covers (the job was down, a caller reported an odd time), so an insert never fails.
 */
export type PartitionDb = Pick<PrismaClient, "$queryRaw" | "$queryRawUnsafe" | "$executeRawUnsafe" | "$transaction">;

export interface ResultPartition {
  name: string;
  isDefault: boolean;
  /** Range bounds; null = MINVALUE / MAXVALUE (and both null for the default partition). */
  from: Date | null;
  to: Date | null;
}

/** The migration that partitioned ProbeResult (tests and the migration benchmark start just before it). */
export const PARTITIONING_MIGRATION = "20261130022000_partition_probe_results";

/** DDL on the partitioned table waits at most this long for its lock, then gives up until the next round. */
export const PARTITION_LOCK_TIMEOUT_MS = 2_000;
const MINUTE_MS = 60_000;
const MAX_WIDTH_MINUTES = 7 * 24 * 60;

export function partitionMinutesFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.SWITCHYARD_RESULT_PARTITION_MINUTES ?? "60";
  const minutes = Number(raw);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_WIDTH_MINUTES)
    throw new Error(`SWITCHYARD_RESULT_PARTITION_MINUTES must be a whole number of minutes from 1 to ${MAX_WIDTH_MINUTES}, got "${raw}".`);
  return minutes;
}

/**
 * How many partitions exist ahead of now: about 6 hours of them (at least 4, at most 48), so a
 * worker that is down for a while still finds its rows a partition when it comes back.
 */
export function partitionsAhead(widthMinutes: number): number {
  return Math.min(48, Math.max(4, Math.ceil(360 / widthMinutes)));
}

/** The partitions of ProbeResult with their bounds, oldest first (the default partition last). */
export async function listResultPartitions(db: Pick<PrismaClient, "$queryRaw"> = prisma): Promise<ResultPartition[]> {
  // pg_get_expr prints the bounds in this session's DateStyle and time zone; casting them back in
  // the same statement reads them the same way.
  const rows = await db.$queryRaw<ResultPartition[]>`
    SELECT name, bound = 'DEFAULT' AS "isDefault",
           CASE WHEN m[1] IS NULL OR m[1] = 'MINVALUE' THEN NULL ELSE btrim(m[1], '''')::timestamptz END AS "from",
           CASE WHEN m[2] IS NULL OR m[2] = 'MAXVALUE' THEN NULL ELSE btrim(m[2], '''')::timestamptz END AS "to"
    FROM (SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
                 regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\((.+)\\) TO \\((.+)\\)') AS m
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = '"ProbeResult"'::regclass) p
    ORDER BY "isDefault", "from" NULLS FIRST`;
  return rows;
}

/** Partition names say where they start, in UTC: ProbeResult_p20261130T0100. */
export function partitionName(from: Date): string {
  return `ProbeResult_p${from.toISOString().slice(0, 16).replaceAll("-", "").replace(":", "")}`;
}

export interface EnsurePartitionsRun {
  created: string[];
  /** Rows that had landed in the default partition and moved into a new partition. */
  movedRows: number;
  /** True when a lock was not had in time (a long reader on the default partition): the rest waits for the next round. */
  deferred: boolean;
}

/**
 * Creates the partitions from the end of the newest one (or from the current width-aligned
 * boundary, when that is later: a gap left by a long outage stays with the default partition) up to
 * `partitionsAhead` widths past `now`. Bounds are multiples of the width since the epoch, in UTC.
 * At most `maxPerRound` partitions per call, each in its own short transaction.
 */
export async function ensureResultPartitions(
  options: { now?: Date; widthMinutes?: number; maxPerRound?: number; db?: PartitionDb } = {},
): Promise<EnsurePartitionsRun> {
  const db = options.db ?? prisma;
  const now = options.now ?? new Date();
  const widthMs = (options.widthMinutes ?? partitionMinutesFromEnv()) * MINUTE_MS;
  const maxPerRound = options.maxPerRound ?? 64;
  const partitions = await listResultPartitions(db);
  const defaultPartition = partitions.find((p) => p.isDefault)?.name;
  const lastEnd = Math.max(-Infinity, ...partitions.flatMap((p) => (p.to ? [p.to.getTime()] : [])));
  const horizon = now.getTime() + partitionsAhead(widthMs / MINUTE_MS) * widthMs;
  let start = Math.max(lastEnd, Math.floor(now.getTime() / widthMs) * widthMs);
  const run: EnsurePartitionsRun = { created: [], movedRows: 0, deferred: false };
  while (start < horizon && run.created.length < maxPerRound) {
    const end = (Math.floor(start / widthMs) + 1) * widthMs;
    const from = new Date(start);
    const name = partitionName(from);
    try {
      run.movedRows += await createPartition(db, name, from, new Date(end), defaultPartition);
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      run.deferred = true;
      break;
    }
    run.created.push(name);
    start = end;
  }
  return run;
}

/**
 * One partition in one transaction: a plain table shaped like ProbeResult, the rows of its range
 * that are waiting in the default partition moved into it, then ATTACH (which takes only a SHARE
 * UPDATE EXCLUSIVE lock on ProbeResult, so inserts and reads go on; the check constraint spares it
 * a scan). The move and the attach commit together: no reader sees a row twice or not at all.
 */
async function createPartition(db: PartitionDb, name: string, from: Date, to: Date, defaultPartition: string | undefined): Promise<number> {
  const [lower, upper] = [from.toISOString(), to.toISOString()];
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT_MS}ms'`);
      await tx.$executeRawUnsafe(`CREATE TABLE "${name}" (LIKE "ProbeResult" INCLUDING DEFAULTS INCLUDING STORAGE)`);
      const moved = defaultPartition
        ? await tx.$executeRawUnsafe(
            `WITH moved AS (DELETE FROM "${defaultPartition}" WHERE "startedAt" >= $1::timestamptz AND "startedAt" < $2::timestamptz RETURNING *)
             INSERT INTO "${name}" SELECT * FROM moved`,
            lower,
            upper,
          )
        : 0;
      await tx.$executeRawUnsafe(`ALTER TABLE "${name}" ADD CONSTRAINT "${name}_range" CHECK ("startedAt" >= '${lower}' AND "startedAt" < '${upper}')`);
      await tx.$executeRawUnsafe(`ALTER TABLE "ProbeResult" ATTACH PARTITION "${name}" FOR VALUES FROM ('${lower}') TO ('${upper}')`);
      await tx.$executeRawUnsafe(`ALTER TABLE "${name}" DROP CONSTRAINT "${name}_range"`);
      return moved;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

/**
 * Drops one partition (a brief ACCESS EXCLUSIVE lock on ProbeResult, waited for at most
 * PARTITION_LOCK_TIMEOUT_MS). Returns false when the lock was not had in time: retry next round.
 */
export async function dropResultPartition(db: PartitionDb, name: string): Promise<boolean> {
  try {
    await db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT_MS}ms'`);
        await tx.$executeRawUnsafe(`DROP TABLE "${name}"`);
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
    return true;
  } catch (error) {
    if (isLockTimeout(error)) return false;
    throw error;
  }
}

/**
 * Empties one partition (TRUNCATE) when it cannot be dropped in time. Unlike DROP, which needs an
 * ACCESS EXCLUSIVE lock on ProbeResult itself (so every reader and writer of the table is in its
 * way), TRUNCATE locks only this partition: readers whose plan pruned it (the dashboard's raw
 * tails, lib/stats/raw-tail.ts), inserts routed elsewhere and rollups of newer rows go on. Its disk
 * space is freed now; the empty table is dropped by a later round. Returns false when even this
 * lock was not had in time (someone reads this partition).
 */
export async function emptyResultPartition(db: PartitionDb, name: string): Promise<boolean> {
  try {
    await db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT_MS}ms'`);
        await tx.$executeRawUnsafe(`TRUNCATE "${name}"`);
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
    return true;
  } catch (error) {
    if (isLockTimeout(error)) return false;
    throw error;
  }
}

/** PostgreSQL's 55P03 "canceling statement due to lock timeout", however the driver wrapped it. */
function isLockTimeout(error: unknown): boolean {
  return error instanceof Error && /lock timeout|55P03/i.test(error.message);
}
