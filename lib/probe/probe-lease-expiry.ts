import { prisma } from "@/lib/db/prisma";
import { repeatInChunks } from "@/lib/db/repeat-in-chunks";

const CHUNK = 5_000;

/**
 * Ends probe leases (NodeProbeLease) whose holder let them run out: a worker that died mid-round
 * never releases them. Its nodes were already claimable (claims ignore an expired lease); this
 * clears the dead owner so the table says who really holds what. Chunked under a time budget;
 * re-checks expiry on each row, so a lease renewed meanwhile is left alone.
 */
export async function expireProbeLeases(options: { budgetMs?: number } = {}): Promise<{ changed: number; behind: boolean }> {
  return repeatInChunks(
    () => prisma.$executeRaw`
      UPDATE "NodeProbeLease" SET "leaseUntil" = NULL, "leaseOwner" = NULL
      WHERE "leaseUntil" < now() AND "nodeId" IN (SELECT "nodeId" FROM "NodeProbeLease" WHERE "leaseUntil" < now() LIMIT ${CHUNK})`,
    { chunk: CHUNK, deadline: Date.now() + (options.budgetMs ?? 5_000) },
  );
}
