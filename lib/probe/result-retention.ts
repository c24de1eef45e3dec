import { runBounded, type BoundedRun } from "@/lib/db/bounded-work";
import { prisma } from "@/lib/db/prisma";
import { dropResultPartition, emptyResultPartition, listResultPartitions, type PartitionDb } from "./result-partitions";

export interface RetentionRun extends BoundedRun {
  /** Whole partitions dropped this round (their rows are not counted in `rows`). */
  partitionsDropped: string[];
  /** Expired partitions left for the next round (their lock was not had in time, or the round's cap). */
  partitionsDeferred: number;
  /** Of those, the ones emptied (TRUNCATE) this round because the drop's lock was not had: their rows are gone, the empty table goes later. */
  partitionsEmptied: string[];
}

const MAX_DROPS_PER_ROUND = 24;

/**
 * Retention of raw results older than `olderThan`, but never rows a rollup has not folded in yet:
 * every rollup over ProbeResult keeps its row in ProbeRollupWatermark (today one, lib/stats'
 * "stats"), and the oldest of them bounds what may go; with no watermark at all nothing goes.
 *
 * Range partitions that end at or before that cutoff are dropped whole (result-partitions.ts); when
 * the table is too busy for a drop's lock, they are emptied instead (TRUNCATE, which waits only for
 * readers of that partition) and dropped by a later round.
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
  if (!mark?.rolledUpTo) return { rows: 0, steps: 0, done: true, elapsedMs: 0, partitionsDropped: [], partitionsDeferred: 0, partitionsEmptied: [] };
  const cutoff = olderThan < mark.rolledUpTo ? olderThan : mark.rolledUpTo;

  const partitions = await listResultPartitions(db);
  const expired = partitions.filter((p) => !p.isDefault && p.to !== null && p.to <= cutoff);
  const partitionsDropped: string[] = [];
  const partitionsEmptied: string[] = [];
  let dropping = true;
  for (const partition of expired.slice(0, MAX_DROPS_PER_ROUND)) {
    if (dropping && (await dropResultPartition(db, partition.name))) {
      partitionsDropped.push(partition.name);
      continue;
    }
    // ProbeResult is busy (a drop waits for every statement on it): no more drops this round, but
    // free the expired partitions' space with a lock on each of them alone.
    dropping = false;
    const [{ hasRows }] = await db.$queryRawUnsafe<{ hasRows: boolean }[]>(`SELECT EXISTS (SELECT 1 FROM "${partition.name}") AS "hasRows"`);
    if (hasRows && (await emptyResultPartition(db, partition.name))) partitionsEmptied.push(partition.name);
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
  return { ...run, partitionsDropped, partitionsDeferred: expired.length - partitionsDropped.length, partitionsEmptied };
}
