import { runBounded, type BoundedRun } from "@/lib/db/bounded-work";
import { prisma } from "@/lib/db/prisma";
import { dropResultPartition, listResultPartitions, type PartitionDb } from "./result-partitions";

export interface RetentionRun extends BoundedRun {
  /** Whole partitions dropped this round (their rows are not counted in `rows`). */
  partitionsDropped: string[];
  /** Expired partitions left for the next round (their lock was not had in time, or the round's cap). */
  partitionsDeferred: number;
}

const MAX_DROPS_PER_ROUND = 24;

/**
 * Retention of raw results older than `olderThan`, but never rows a rollup has not folded in yet:
 * every rollup over ProbeResult keeps its row in ProbeRollupWatermark (today one, lib/stats'
 * "stats"), and the oldest of them bounds what may go; with no watermark at all nothing goes.
 *
 * Range partitions that end at or before that cutoff are dropped whole (result-partitions.ts).
 * The catch-all partitions — the default one, and the legacy table from before partitioning (no
 * lower bound) — lose their expired rows in batches of `chunkRows` (one short statement each,
 * oldest first) within a time budget, so a backlog there shrinks over several rounds.
 */
export async function pruneRawResults(
  olderThan: Date,
  options: { chunkRows?: number; budgetMs?: number; db?: PartitionDb } = {},
): Promise<RetentionRun> {
  const db = options.db ?? prisma;
  const [mark] = await db.$queryRaw<{ rolledUpTo: Date | null }[]>`SELECT min("rolledUpTo") AS "rolledUpTo" FROM "ProbeRollupWatermark"`;
  if (!mark?.rolledUpTo) return { rows: 0, steps: 0, done: true, elapsedMs: 0, partitionsDropped: [], partitionsDeferred: 0 };
  const cutoff = olderThan < mark.rolledUpTo ? olderThan : mark.rolledUpTo;

  const partitions = await listResultPartitions(db);
  const expired = partitions.filter((p) => !p.isDefault && p.to !== null && p.to <= cutoff);
  const partitionsDropped: string[] = [];
  for (const partition of expired.slice(0, MAX_DROPS_PER_ROUND)) {
    if (!(await dropResultPartition(db, partition.name))) break;
    partitionsDropped.push(partition.name);
  }

  const catchAll = partitions.filter((p) => (p.isDefault || p.from === null) && !partitionsDropped.includes(p.name)).map((p) => p.name);
  const limit = options.chunkRows ?? 20_000;
  const run = await runBounded(async () => {
    let rows = 0;
    for (const name of catchAll) {
      rows += await db.$executeRawUnsafe(
        `DELETE FROM "${name}" WHERE ctid = ANY(ARRAY(SELECT ctid FROM "${name}" WHERE "startedAt" < $1::timestamptz ORDER BY "startedAt" LIMIT $2))`,
        cutoff.toISOString(),
        limit - rows,
      );
      if (rows >= limit) break;
    }
    return { rows, more: rows >= limit };
  }, options.budgetMs ?? 2_000);
  return { ...run, partitionsDropped, partitionsDeferred: expired.length - partitionsDropped.length };
}
