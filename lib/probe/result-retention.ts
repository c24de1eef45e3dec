import { runBounded, type BoundedRun } from "@/lib/db/bounded-work";
import type { PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";

/**
 * Deletes raw results older than `olderThan`, but never rows a rollup has not folded in yet: every
 * rollup over ProbeResult keeps its row in ProbeRollupWatermark (today one, lib/stats' "stats"),
 * and the oldest of them bounds what may go; with no watermark at all nothing goes. Works in
 * batches of `chunkRows` (one short statement each, oldest first) within a time budget, so a large
 * backlog shrinks over several rounds instead of one long transaction.
 */
export async function pruneRawResults(
  olderThan: Date,
  options: { chunkRows?: number; budgetMs?: number; db?: Pick<PrismaClient, "$queryRaw" | "$executeRaw"> } = {},
): Promise<BoundedRun> {
  const db = options.db ?? prisma;
  const [mark] = await db.$queryRaw<{ rolledUpTo: Date | null }[]>`SELECT min("rolledUpTo") AS "rolledUpTo" FROM "ProbeRollupWatermark"`;
  if (!mark?.rolledUpTo) return { rows: 0, steps: 0, done: true, elapsedMs: 0 };
  const cutoff = olderThan < mark.rolledUpTo ? olderThan : mark.rolledUpTo;
  const limit = options.chunkRows ?? 20_000;
  return runBounded(async () => {
    const deleted = await db.$executeRaw`
      DELETE FROM "ProbeResult" WHERE "id" IN (SELECT "id" FROM "ProbeResult" WHERE "startedAt" < ${cutoff} ORDER BY "startedAt" LIMIT ${limit})`;
    return { rows: deleted, more: deleted === limit };
  }, options.budgetMs ?? 2_000);
}
