import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/prisma";
import { Attributor } from "./attribution";
import { databaseControlNodes } from "./control-nodes";
import type { ProbeCheckOptions } from "./probe-check";
import { toProbeNode, type ProxyNodeRow, type RevealPassword } from "./probe-node-row";
import { runProbeJobs, type ProbeJob } from "./probe-runner";
import { ProbeResultWriter } from "./result-writer";
import { timeoutsForTarget } from "./target-timeouts";

export interface ClaimedNode extends ProxyNodeRow {
  poolId: string;
  intervalSeconds: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
  targetIds: string[];
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  leaseMs: number;
  /** Only nodes of these pools (default: every pool with enabled probe settings). */
  poolIds?: string[];
}

/** Every node in a probe-enabled pool gets a lease row, due now if new. */
async function ensureLeaseRows(poolIds?: string[]): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "NodeProbeLease" ("nodeId")
    SELECT DISTINCT m."nodeId" FROM "PoolMembership" m
    JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId" AND s."enabled"
    WHERE ${poolIds ?? null}::uuid[] IS NULL OR m."poolId" = ANY(${poolIds ?? null}::uuid[])
    ON CONFLICT ("nodeId") DO NOTHING`;
}

/**
 * Leases up to `limit` due nodes to `owner`. FOR UPDATE SKIP LOCKED makes concurrent claimers
 * take disjoint rows, and the lease (leaseUntil) keeps them off the node until it is released
 * or expires, so two workers never test the same node at once. DISABLED nodes are never due;
 * DRAINING ones still are (operators want to see them recover). A node in several pools follows
 * the pool that probes most often.
 */
export async function claimDueNodes(options: ClaimOptions): Promise<ClaimedNode[]> {
  await ensureLeaseRows(options.poolIds);
  const poolFilter = options.poolIds ?? null;
  return prisma.$queryRaw<ClaimedNode[]>`
    WITH due AS (
      SELECT l."nodeId" FROM "NodeProbeLease" l
      JOIN "ProxyNode" n ON n."id" = l."nodeId"
      WHERE n."state" <> 'DISABLED'
        AND l."nextProbeAt" <= now()
        AND (l."leaseUntil" IS NULL OR l."leaseUntil" < now())
        AND EXISTS (SELECT 1 FROM "PoolMembership" m JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId"
                    WHERE m."nodeId" = l."nodeId" AND s."enabled"
                      AND (${poolFilter}::uuid[] IS NULL OR m."poolId" = ANY(${poolFilter}::uuid[])))
      ORDER BY l."nextProbeAt"
      LIMIT ${options.limit}
      FOR UPDATE OF l SKIP LOCKED
    ), claimed AS (
      UPDATE "NodeProbeLease" l SET "leaseUntil" = now() + ${options.leaseMs} * interval '1 millisecond', "leaseOwner" = ${options.owner}
      FROM due WHERE l."nodeId" = due."nodeId"
      RETURNING l."nodeId"
    )
    SELECT DISTINCT ON (n."id") n."id", n."scheme"::text AS "scheme", n."host", n."port", n."username", n."passwordSealed",
      s."poolId", s."intervalSeconds", s."connectTimeoutMs", s."firstByteTimeoutMs", s."totalTimeoutMs", s."targetIds"
    FROM claimed c
    JOIN "ProxyNode" n ON n."id" = c."nodeId"
    JOIN "PoolMembership" m ON m."nodeId" = n."id"
    JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId" AND s."enabled"
    WHERE ${poolFilter}::uuid[] IS NULL OR m."poolId" = ANY(${poolFilter}::uuid[])
    ORDER BY n."id", s."intervalSeconds", s."poolId"`;
}

/** Ends the leases and sets the next due time: interval ± jitter, so a pool's nodes spread out over time. */
export async function releaseLeases(owner: string, nodes: ClaimedNode[], jitter: number): Promise<void> {
  if (nodes.length === 0) return;
  const ids = nodes.map((n) => n.id);
  const delaysMs = nodes.map((n) => Math.round(n.intervalSeconds * 1000 * (1 + jitter * (Math.random() * 2 - 1))));
  await prisma.$executeRaw`
    UPDATE "NodeProbeLease" l SET "leaseUntil" = NULL, "leaseOwner" = NULL,
      "nextProbeAt" = now() + d."delayMs" * interval '1 millisecond'
    FROM unnest(${ids}::uuid[], ${delaysMs}::int[]) AS d("nodeId", "delayMs")
    WHERE l."nodeId" = d."nodeId" AND l."leaseOwner" = ${owner}`;
}

export interface ProbeSchedulerOptions {
  signal: AbortSignal;
  /** Identifies this worker in lease rows; default a random id. */
  owner?: string;
  /** Nodes claimed per round. */
  claimBatch?: number;
  concurrency?: number;
  perNodeConcurrency?: number;
  /** ± fraction of the interval added at random to each node's next due time. */
  jitter?: number;
  /** Sleep when nothing is due. */
  idleMs?: number;
  poolIds?: string[];
  revealPassword?: RevealPassword;
  check?: Omit<ProbeCheckOptions, "signal" | "timeouts">;
  onRound?: (round: { owner: string; nodes: number; checks: number }) => void;
  onError?: (error: unknown) => void;
}

export interface ProbeSchedulerStats {
  owner: string;
  rounds: number;
  checks: number;
}

/**
 * The worker process's loop: claim due nodes, probe each against its pool's targets with its
 * pool's timeouts, persist results, release with the next due time. Runs until the signal aborts;
 * several workers (processes or loops) can run side by side.
 */
export async function runProbeScheduler(options: ProbeSchedulerOptions): Promise<ProbeSchedulerStats> {
  const owner = options.owner ?? `worker-${randomUUID()}`;
  const stats: ProbeSchedulerStats = { owner, rounds: 0, checks: 0 };
  const writer = new ProbeResultWriter({ source: "probe", onError: options.onError });
  const targetCache = new Map<string, { id: string; url: string; expectedStatus: number | null; firstByteTimeoutMs: number | null; totalTimeoutMs: number | null }>();
  const { signal } = options;
  // One for the loop's life: its control budget is a share of everything this worker probes, and
  // a target's control answer is reused across rounds for its cache window.
  const attribution = new Attributor({ controls: databaseControlNodes(options.revealPassword), check: options.check });

  while (!signal.aborted) {
    let claimed: ClaimedNode[] = [];
    try {
      // Lease long enough for the slowest node to finish every target, plus slack.
      claimed = await claimDueNodes({ owner, limit: options.claimBatch ?? 200, leaseMs: 10 * 60_000, poolIds: options.poolIds });
      if (claimed.length === 0) {
        await sleep(options.idleMs ?? 1_000, signal);
        continue;
      }
      const wantedTargets = [...new Set(claimed.flatMap((n) => n.targetIds))].filter((id) => !targetCache.has(id));
      if (wantedTargets.length > 0)
        for (const t of await prisma.probeTarget.findMany({ where: { id: { in: wantedTargets } } })) targetCache.set(t.id, t);

      const jobs = function* (): Generator<ProbeJob> {
        for (const node of claimed) {
          let probeNode;
          try {
            probeNode = toProbeNode(node, options.revealPassword);
          } catch (error) {
            options.onError?.(error);
            continue;
          }
          const timeouts = { connectMs: node.connectTimeoutMs, firstByteMs: node.firstByteTimeoutMs, totalMs: node.totalTimeoutMs };
          for (const targetId of node.targetIds) {
            const target = targetCache.get(targetId);
            if (target)
              yield { node: probeNode, target: { id: target.id, url: target.url, expectedStatus: target.expectedStatus ?? undefined }, timeouts: timeoutsForTarget(timeouts, target) };
          }
        }
      };
      const summary = await runProbeJobs(jobs(), {
        concurrency: options.concurrency ?? 64,
        perNodeConcurrency: options.perNodeConcurrency ?? 1,
        signal,
        onResult: (attempt) => writer.add(attempt),
        attribution,
        check: options.check,
      });
      await writer.flush();
      stats.rounds++;
      stats.checks += summary.done;
      options.onRound?.({ owner, nodes: claimed.length, checks: summary.done });
    } catch (error) {
      if (!signal.aborted) {
        options.onError?.(error);
        await sleep(options.idleMs ?? 1_000, signal);
      }
    } finally {
      // Released even when cancelled: an aborted worker must not sit on leases until they expire.
      await releaseLeases(owner, claimed, options.jitter ?? 0.1).catch((error) => options.onError?.(error));
    }
  }
  await writer.flush().catch((error) => options.onError?.(error));
  return stats;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
