import { hostname } from "node:os";
import { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";

/** A node due longer ago than this and still unclaimed is overdue (claims poll every ~0.5 s). */
export const OVERDUE_GRACE_MS = 2_000;
/** A worker whose heartbeat is older than this is gone (it heartbeats every 5 s). */
export const WORKER_STALE_MS = 30_000;
/** The overview says "monitoring is N s behind" from this lag on. */
export const BEHIND_THRESHOLD_MS = 10_000;

/**
 * The nodes the scheduler probes: not DISABLED and in a pool with probing enabled (optionally only
 * these pools). One fragment, so the claim and the lag figure can never disagree on "due".
 */
export function probedNodeCondition(nodeIdColumn: Prisma.Sql, poolIds?: string[]): Prisma.Sql {
  const poolFilter = poolIds ?? null;
  return Prisma.sql`EXISTS (SELECT 1 FROM "PoolMembership" m JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId"
      WHERE m."nodeId" = ${nodeIdColumn} AND s."enabled"
        AND (${poolFilter}::uuid[] IS NULL OR m."poolId" = ANY(${poolFilter}::uuid[])))
    AND EXISTS (SELECT 1 FROM "ProxyNode" n WHERE n."id" = ${nodeIdColumn} AND n."state" <> 'DISABLED')`;
}

export interface ScheduleLag {
  /** Probed nodes due more than OVERDUE_GRACE_MS ago that no worker has claimed. */
  overdueNodes: number;
  /** How long the oldest of them has been due (0 when none). */
  oldestLagMs: number;
}

/** Over every probed node (or those of some pools), whichever worker will take it: the schedule's backlog right now. */
export async function scheduleLag(poolIds?: string[]): Promise<ScheduleLag> {
  const [row] = await prisma.$queryRaw<{ overdue: number; oldest: number | null }[]>`
    SELECT count(*)::int AS overdue, (extract(epoch FROM now() - min(l."nextProbeAt")) * 1000)::int AS oldest
    FROM "NodeProbeLease" l
    WHERE l."nextProbeAt" < now() - ${OVERDUE_GRACE_MS} * interval '1 millisecond'
      AND (l."leaseUntil" IS NULL OR l."leaseUntil" < now())
      AND ${probedNodeCondition(Prisma.sql`l."nodeId"`, poolIds)}`;
  return { overdueNodes: row?.overdue ?? 0, oldestLagMs: row?.oldest ?? 0 };
}

export interface WorkerHeartbeat extends ScheduleLag {
  workerId: string;
  startedAt: Date;
  inFlightChecks: number;
  maxInFlight: number;
  resultsPerSecond: number;
}

export async function reportWorkerStatus(beat: WorkerHeartbeat): Promise<void> {
  const row = { ...beat, host: hostname(), pid: process.pid, heartbeatAt: new Date() };
  await prisma.probeWorkerStatus.upsert({ where: { workerId: beat.workerId }, create: row, update: row });
}

/** A worker that stops cleanly removes its row; a crashed one's row goes stale and is ignored. */
export async function removeWorkerStatus(workerId: string): Promise<void> {
  await prisma.probeWorkerStatus.deleteMany({ where: { workerId } });
}

export interface MonitoringStatus {
  /** Workers that reported within WORKER_STALE_MS. */
  workers: number;
  inFlightChecks: number;
  resultsPerSecond: number;
  overdueNodes: number;
  /** The freshest report's oldest lag. */
  oldestLagMs: number;
  /** Set when some pool is probed but no worker reported lately: monitoring has stopped. */
  noWorkerSinceMs: number | null;
  /** The lag the overview should announce ("monitoring is N s behind"), or null when on time. */
  behindMs: number | null;
}

/** What the web role shows about the probe workers (read from their heartbeats, never computed per request). */
export async function monitoringStatus(now = new Date()): Promise<MonitoringStatus> {
  const [rows, probing] = await Promise.all([
    prisma.probeWorkerStatus.findMany({ orderBy: { heartbeatAt: "desc" } }),
    prisma.poolProbeSettings.count({ where: { enabled: true } }),
  ]);
  const live = rows.filter((r) => now.getTime() - r.heartbeatAt.getTime() <= WORKER_STALE_MS);
  const freshest = live[0];
  const lastSeen = rows[0]?.heartbeatAt;
  const noWorkerSinceMs = probing > 0 && live.length === 0 ? (lastSeen ? now.getTime() - lastSeen.getTime() : 0) : null;
  const oldestLagMs = freshest?.oldestLagMs ?? 0;
  return {
    workers: live.length,
    inFlightChecks: live.reduce((sum, r) => sum + r.inFlightChecks, 0),
    resultsPerSecond: live.reduce((sum, r) => sum + r.resultsPerSecond, 0),
    overdueNodes: freshest?.overdueNodes ?? 0,
    oldestLagMs,
    noWorkerSinceMs,
    behindMs: oldestLagMs >= BEHIND_THRESHOLD_MS ? oldestLagMs : null,
  };
}
