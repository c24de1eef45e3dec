import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type pg from "pg";
import { prisma } from "@/lib/db/prisma";
import { repeatInChunks } from "@/lib/db/repeat-in-chunks";
import { ApiError } from "@/lib/http/api-errors";
import { faultClassOf, recordCallerResults, type CallerOutcome } from "@/lib/probe/caller-results";
import type { FaultClass } from "@/lib/probe/fault-taxonomy";

// Leases, in one place: the claim (a node held for one caller) and the report that releases it.
// GatewayNodeLease holds at most one live lease per node; GatewayLease is the lease's record.

/**
 * Claims the node for a new lease with one atomic statement (INSERT … ON CONFLICT DO UPDATE …
 * WHERE the holder's lease has expired), so instances never hand one node to two leases.
 * Returns null when another live lease holds the node.
 */
export async function claimNodeLease(
  db: pg.Pool,
  input: { nodeId: string; poolId: string; apiKeyId: string; ttlSeconds: number },
): Promise<{ leaseId: string; expiresAt: Date } | null> {
  const leaseId = randomUUID();
  const { rows } = await db.query<{ expiresAt: Date }>(
    `WITH claim AS (
       INSERT INTO "GatewayNodeLease" ("nodeId", "leaseId", "expiresAt") VALUES ($1::uuid, $2::uuid, now() + make_interval(secs => $3))
       ON CONFLICT ("nodeId") DO UPDATE SET "leaseId" = EXCLUDED."leaseId", "expiresAt" = EXCLUDED."expiresAt"
         WHERE "GatewayNodeLease"."expiresAt" <= now()
       RETURNING "nodeId", "expiresAt")
     INSERT INTO "GatewayLease" ("id", "poolId", "nodeId", "apiKeyId", "expiresAt")
     SELECT $2::uuid, $4::uuid, "nodeId", $5::uuid, "expiresAt" FROM claim
     RETURNING "expiresAt"`,
    [input.nodeId, leaseId, input.ttlSeconds, input.poolId, input.apiKeyId],
  );
  return rows.length ? { leaseId, expiresAt: rows[0].expiresAt } : null;
}

export interface LeaseReport extends CallerOutcome {
  /** The URL requested; when given the result also feeds the stats. */
  target?: string;
}

/**
 * Records how the leased node did and frees the node. Idempotent: the same report again answers
 * duplicate; a different one → 409. A lease of another key is "not found".
 */
export async function reportLeaseResult(
  apiKeyId: string,
  leaseId: string,
  report: LeaseReport,
): Promise<{ leaseId: string; faultClass: FaultClass; duplicate: boolean; reportedAt: string }> {
  const faultClass = faultClassOf(report);
  const result = { faultClass, status: report.status ?? null, errorKind: report.errorKind ?? null, latencyMs: report.latencyMs, target: report.target ?? null };
  const lease = await prisma.gatewayLease.findUnique({ where: { id: leaseId } });
  if (!lease || lease.apiKeyId !== apiKeyId) throw new ApiError("not_found", "No such lease for this API key.");
  const updated = await prisma.$executeRaw`
    UPDATE "GatewayLease" SET "result" = ${JSON.stringify(result)}::jsonb, "reportedAt" = now(), "releasedAt" = coalesce("releasedAt", now())
    WHERE "id" = ${leaseId}::uuid AND "result" IS NULL`;
  if (updated === 0) {
    const stored = await prisma.gatewayLease.findUniqueOrThrow({ where: { id: leaseId } });
    if (!isDeepStrictEqual(stored.result, result)) throw new ApiError("conflict", "A different result was already reported for this lease.", { reported: stored.result as Record<string, unknown> });
    return { leaseId, faultClass, duplicate: true, reportedAt: stored.reportedAt!.toISOString() };
  }
  await prisma.gatewayNodeLease.deleteMany({ where: { nodeId: lease.nodeId, leaseId: lease.id } });
  if (report.target) await recordCallerResults([{ ...report, target: report.target, nodeId: lease.nodeId }]);
  const stored = await prisma.gatewayLease.findUniqueOrThrow({ where: { id: leaseId } });
  return { leaseId, faultClass, duplicate: false, reportedAt: stored.reportedAt!.toISOString() };
}

/** Lease rows are kept this long after they expire (late reports still find them), then deleted. */
export const LEASE_RETENTION_HOURS = 24;
const SWEEP_CHUNK = 5_000;

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
 * after expiry. Works in chunks of SWEEP_CHUNK rows under a time budget, so a large backlog never holds
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
          SELECT "nodeId" FROM "GatewayNodeLease" WHERE "expiresAt" <= now() LIMIT ${SWEEP_CHUNK})`,
    ],
    [
      "expired",
      () => prisma.$executeRaw`
        UPDATE "GatewayLease" SET "releasedAt" = "expiresAt" WHERE "releasedAt" IS NULL AND "expiresAt" <= now() AND "id" IN (
          SELECT "id" FROM "GatewayLease" WHERE "releasedAt" IS NULL AND "expiresAt" <= now() LIMIT ${SWEEP_CHUNK})`,
    ],
    [
      "deleted",
      () => prisma.$executeRaw`
        DELETE FROM "GatewayLease" WHERE "id" IN (
          SELECT "id" FROM "GatewayLease" WHERE "expiresAt" < now() - make_interval(hours => ${LEASE_RETENTION_HOURS}) LIMIT ${SWEEP_CHUNK})`,
    ],
  ];
  for (const [field, step] of steps) {
    const { changed, behind } = await repeatInChunks(step, { chunk: SWEEP_CHUNK, deadline });
    result[field] = changed;
    if (behind) return { ...result, behind };
  }
  return result;
}
