import { prisma } from "@/lib/db/prisma";
import { repeatInChunks } from "@/lib/db/repeat-in-chunks";

/** Lease rows are kept this long after they expire (late reports still find them), then deleted. */
export const LEASE_RETENTION_HOURS = 24;
const CHUNK = 5_000;

export interface LeaseSweep {
  /** GatewayNodeLease claims past their expiry, removed (their nodes were already claimable). */
  freedNodes: number;
  /** GatewayLease rows that expired without a report, now marked released at their expiry. */
  expired: number;
  /** GatewayLease rows older than the retention, deleted. */
  deleted: number;
  /** True when the time budget ended the sweep before the backlog did (the next round goes on). */
  behind: boolean;
}

/**
 * Expires gateway leases in the database: a lease whose caller never reported is marked released
 * at its expiry, the per-node claim row is removed, and lease rows are deleted LEASE_RETENTION_HOURS
 * after expiry. Works in chunks of CHUNK rows under a time budget, so a large backlog never holds
 * one long statement. Safe on several instances at once: every statement re-checks expiry on the
 * row it changes, so a claim renewed meanwhile is never touched.
 */
export async function sweepGatewayLeases(options: { budgetMs?: number } = {}): Promise<LeaseSweep> {
  const deadline = Date.now() + (options.budgetMs ?? 5_000);
  const result: LeaseSweep = { freedNodes: 0, expired: 0, deleted: 0, behind: false };
  const steps: Array<[keyof Omit<LeaseSweep, "behind">, () => Promise<number>]> = [
    [
      "freedNodes",
      () => prisma.$executeRaw`
        DELETE FROM "GatewayNodeLease" WHERE "expiresAt" <= now() AND "nodeId" IN (
          SELECT "nodeId" FROM "GatewayNodeLease" WHERE "expiresAt" <= now() LIMIT ${CHUNK})`,
    ],
    [
      "expired",
      () => prisma.$executeRaw`
        UPDATE "GatewayLease" SET "releasedAt" = "expiresAt" WHERE "releasedAt" IS NULL AND "expiresAt" <= now() AND "id" IN (
          SELECT "id" FROM "GatewayLease" WHERE "releasedAt" IS NULL AND "expiresAt" <= now() LIMIT ${CHUNK})`,
    ],
    [
      "deleted",
      () => prisma.$executeRaw`
        DELETE FROM "GatewayLease" WHERE "id" IN (
          SELECT "id" FROM "GatewayLease" WHERE "expiresAt" < now() - make_interval(hours => ${LEASE_RETENTION_HOURS}) LIMIT ${CHUNK})`,
    ],
  ];
  for (const [field, step] of steps) {
    const { changed, behind } = await repeatInChunks(step, { chunk: CHUNK, deadline });
    result[field] = changed;
    if (behind) return { ...result, behind };
  }
  return result;
}
