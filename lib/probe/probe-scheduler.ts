import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { Attributor } from "./attribution";
import { databaseControlNodes } from "./control-nodes";
import { runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTimeouts } from "./probe-check";
import { toProbeNode, type ProxyNodeRow, type RevealPassword } from "./probe-node-row";
import { ProbeResultWriter } from "./result-writer";
import { timeoutsForTarget } from "./target-timeouts";
import { probedNodeCondition, removeWorkerStatus, reportWorkerStatus, scheduleLag } from "./worker-status";

export interface ClaimedNode extends ProxyNodeRow {
  poolId: string;
  intervalSeconds: number;
  maxBackoffSeconds: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
  targetIds: string[];
  failStreak: number;
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  leaseMs: number;
  /** Only nodes of these pools (default: every pool with enabled probe settings). */
  poolIds?: string[];
  /** Create missing lease rows first (default true; the scheduler does it every few seconds instead). */
  ensureLeaseRows?: boolean;
}

/** Every node in a probe-enabled pool gets a lease row, due now if new. */
export async function ensureLeaseRows(poolIds?: string[]): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "NodeProbeLease" ("nodeId")
    SELECT DISTINCT m."nodeId" FROM "PoolMembership" m
    JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId" AND s."enabled"
    WHERE ${poolIds ?? null}::uuid[] IS NULL OR m."poolId" = ANY(${poolIds ?? null}::uuid[])
    ON CONFLICT ("nodeId") DO NOTHING`;
}

/**
 * Leases up to `limit` due nodes to `owner`, oldest due first. FOR UPDATE SKIP LOCKED makes
 * concurrent claimers take disjoint rows, and the lease (leaseUntil) keeps them off the node until
 * it is released or expires, so two workers never test the same node at once. DISABLED nodes are
 * never due; DRAINING ones still are (operators want to see them recover). A node in several pools
 * follows the pool that probes most often. The claim records which due time it served (dueAt) and
 * when (claimedAt): the difference is that round's lag, readable by anyone.
 */
export async function claimDueNodes(options: ClaimOptions): Promise<ClaimedNode[]> {
  if (options.ensureLeaseRows !== false) await ensureLeaseRows(options.poolIds);
  const poolFilter = options.poolIds ?? null;
  return prisma.$queryRaw<ClaimedNode[]>`
    WITH due AS (
      SELECT l."nodeId" FROM "NodeProbeLease" l
      WHERE l."nextProbeAt" <= now()
        AND (l."leaseUntil" IS NULL OR l."leaseUntil" < now())
        AND ${probedNodeCondition(Prisma.sql`l."nodeId"`, options.poolIds)}
      ORDER BY l."nextProbeAt"
      LIMIT ${options.limit}
      FOR UPDATE OF l SKIP LOCKED
    ), claimed AS (
      UPDATE "NodeProbeLease" l SET "leaseUntil" = now() + ${options.leaseMs} * interval '1 millisecond', "leaseOwner" = ${options.owner},
        "dueAt" = l."nextProbeAt", "claimedAt" = now()
      FROM due WHERE l."nodeId" = due."nodeId"
      RETURNING l."nodeId", l."failStreak"
    )
    SELECT DISTINCT ON (n."id") n."id", n."scheme"::text AS "scheme", n."host", n."port", n."username", n."passwordSealed",
      s."poolId", s."intervalSeconds", s."maxBackoffSeconds", s."connectTimeoutMs", s."firstByteTimeoutMs", s."totalTimeoutMs",
      -- minus the targets excluded for this node (Diagnose's "exclude the target for this node")
      ARRAY(SELECT t.id FROM unnest(s."targetIds") WITH ORDINALITY AS t(id, position)
            WHERE NOT EXISTS (SELECT 1 FROM "NodeTargetExclusion" x WHERE x."nodeId" = n."id" AND x."targetId" = t.id)
            ORDER BY t.position) AS "targetIds",
      c."failStreak"
    FROM claimed c
    JOIN "ProxyNode" n ON n."id" = c."nodeId"
    JOIN "PoolMembership" m ON m."nodeId" = n."id"
    JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId" AND s."enabled"
    WHERE ${poolFilter}::uuid[] IS NULL OR m."poolId" = ANY(${poolFilter}::uuid[])
    ORDER BY n."id", s."intervalSeconds", s."poolId"`;
}

export interface LeaseRelease {
  nodeId: string;
  /** The next round comes about this long after this round's claim (see releaseLeases). */
  delayMs: number;
  /** The node's slot grid: rounds land on times ≡ phaseMs (mod periodMs), so a pool's nodes stay spread. */
  periodMs: number;
  phaseMs: number;
  failStreak: number;
  /** false: the round was interrupted (shutdown) — the node stays due for whoever comes next. */
  completed: boolean;
}

/**
 * Ends leases. A completed round moves the node to the first time on its slot grid at least
 * delay − period/2 after this round's claim: on schedule that is exactly one period after the
 * slot it served (a node's period stays its interval however long its checks took, and lag does
 * not accumulate), and nodes that were all due at once (a new pool, a worker that was down) are
 * spread over one period in the next round instead of staying bunched. An interrupted round keeps
 * its due time.
 */
export async function releaseLeases(owner: string, releases: LeaseRelease[]): Promise<void> {
  if (releases.length === 0) return;
  await prisma.$executeRaw`
    UPDATE "NodeProbeLease" l SET "leaseUntil" = NULL, "leaseOwner" = NULL, "failStreak" = d."failStreak",
      "nextProbeAt" = CASE WHEN d."completed"
        -- earliest = claim + delay - period/2, named once in a sub-select (UPDATE ... FROM cannot refer to l),
        -- then forward to the next time ≡ phase (mod period)
        THEN (SELECT e."earliest" + (((d."phaseMs" - (extract(epoch FROM e."earliest") * 1000)::bigint) % d."periodMs" + d."periodMs") % d."periodMs") * interval '1 millisecond'
              FROM (SELECT coalesce(l."claimedAt", now()) + (d."delayMs" - d."periodMs" / 2) * interval '1 millisecond' AS "earliest") e)
        ELSE l."nextProbeAt" END
    FROM unnest(${releases.map((r) => r.nodeId)}::uuid[], ${releases.map((r) => Math.round(r.delayMs))}::int[],
                ${releases.map((r) => Math.max(1, Math.round(r.periodMs)))}::bigint[], ${releases.map((r) => Math.round(r.phaseMs))}::bigint[],
                ${releases.map((r) => r.failStreak)}::int[], ${releases.map((r) => r.completed)}::boolean[])
      AS d("nodeId", "delayMs", "periodMs", "phaseMs", "failStreak", "completed")
    WHERE l."nodeId" = d."nodeId" AND l."leaseOwner" = ${owner}`;
}

/** A node's fixed offset inside its period (FNV-1a of its id): stable across rounds, workers and restarts. */
export function slotPhaseMs(nodeId: string, periodMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < nodeId.length; i++) hash = Math.imul(hash ^ nodeId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % Math.max(1, Math.round(periodMs));
}

/**
 * The node itself failed — nothing answered at the proxy's address, or the proxy never completed
 * its handshake (TLS to the proxy, CONNECT/SOCKS answer) — so every other target would wait on the
 * same dead node. A proxy that *answers* (407, its own 502, a refused tunnel) is alive: its
 * per-target answers are kept. A plain-HTTP request that times out is not counted: through a
 * forward proxy the first byte may be waiting on the target.
 */
export function nodeItselfFailed(attempt: ProbeAttempt): boolean {
  if (attempt.faultClass === "proxy_unreachable") return true;
  const handshake = attempt.phase === "connect" || attempt.phase === "proxy_tls" || attempt.phase === "tunnel";
  return handshake && (attempt.faultClass === "upstream_timeout" || attempt.faultClass === "reset" || attempt.faultClass === "invalid_response" || attempt.faultClass === "tls_error");
}

/**
 * Delay until the next round: the interval, doubled for every consecutive round in which the node
 * itself failed after the first, never beyond the pool's bound (so a recovering node is seen within
 * it). The spread over time comes from each node's slot phase (releaseLeases), not from jitter.
 */
export function nextDelayMs(node: Pick<ClaimedNode, "intervalSeconds" | "maxBackoffSeconds">, failStreak: number): number {
  const base = node.intervalSeconds * 1000;
  const bound = Math.max(base, node.maxBackoffSeconds * 1000);
  return failStreak <= 1 ? base : Math.min(bound, base * 2 ** Math.min(failStreak - 1, 20));
}

/** How a node's round ends in its lease row. */
function release(node: ClaimedNode, failStreak: number, completed: boolean): LeaseRelease {
  const periodMs = node.intervalSeconds * 1000;
  return { nodeId: node.id, delayMs: nextDelayMs(node, failStreak), periodMs, phaseMs: slotPhaseMs(node.id, periodMs), failStreak, completed };
}

/**
 * Timeouts for a node's round. After two failed rounds the node gets half the connect and
 * first-byte waits (not below 1 s / 2 s), so a dead node holds a slot briefly; every fourth round
 * it gets the pool's full timeouts again, so a node that is merely slow is not locked out.
 */
export function adaptiveTimeouts(base: ProbeTimeouts, failStreak: number): ProbeTimeouts {
  if (failStreak < 2 || failStreak % 4 === 0) return base;
  return {
    connectMs: Math.min(base.connectMs, Math.max(1_000, Math.round(base.connectMs / 2))),
    firstByteMs: Math.min(base.firstByteMs, Math.max(2_000, Math.round(base.firstByteMs / 2))),
    totalMs: base.totalMs,
  };
}

/** Bytes one in-flight check may hold (sockets, parser, the 64 KiB body sample): sizes the in-flight bound. */
const BYTES_PER_CHECK = 64 * 1024;

/**
 * How many checks one worker keeps in flight: most of them are idle sockets waiting on slow or
 * dead nodes, so thousands, bounded by a memory budget (SWITCHYARD_PROBE_MEMORY_MB, default 256)
 * and by the descriptor limit (each check holds up to two sockets; a reserve stays free).
 * SWITCHYARD_PROBE_MAX_IN_FLIGHT overrides.
 */
export function defaultMaxInFlight(env: NodeJS.ProcessEnv = process.env): number {
  const explicit = Number(env.SWITCHYARD_PROBE_MAX_IN_FLIGHT);
  if (Number.isInteger(explicit) && explicit > 0) return explicit;
  const budgetMb = Number(env.SWITCHYARD_PROBE_MEMORY_MB) > 0 ? Number(env.SWITCHYARD_PROBE_MEMORY_MB) : 256;
  const byMemory = Math.floor((budgetMb * 1024 * 1024) / BYTES_PER_CHECK);
  const byDescriptors = Math.floor((openFileLimit() - 512) / 2);
  return Math.max(16, Math.min(byMemory, byDescriptors));
}

function openFileLimit(): number {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // not Linux: assume the common default
  }
  return 1024;
}

export interface ProbeSchedulerOptions {
  signal: AbortSignal;
  /** Identifies this worker in lease rows and its status row; default a random id. */
  owner?: string;
  /** Most nodes taken in one claim. */
  claimBatch?: number;
  /** Checks in flight at once (one per node at a time); default defaultMaxInFlight(). */
  maxInFlight?: number;
  /** Pause before claiming again when nothing was due. */
  idleMs?: number;
  /** Row lease per node, renewed while its checks run (a crashed worker's nodes come back after this). */
  leaseMs?: number;
  /** Status row refresh (0: no status row). */
  heartbeatMs?: number;
  poolIds?: string[];
  revealPassword?: RevealPassword;
  check?: Omit<ProbeCheckOptions, "signal" | "timeouts">;
  onError?: (error: unknown) => void;
}

export interface ProbeSchedulerStats {
  owner: string;
  /** Nodes whose round ended. */
  nodes: number;
  checks: number;
  /** Targets not checked because their node itself had failed that round. */
  skipped: number;
  /** Checks in flight right now. */
  inFlight: number;
  maxInFlight: number;
}

interface CachedTarget {
  id: string;
  url: string;
  expectedStatus: number | null;
  firstByteTimeoutMs: number | null;
  totalTimeoutMs: number | null;
}

/**
 * The worker's probe pipeline. Runs until the signal aborts; several workers (processes or loops)
 * can run side by side on one database.
 *
 * Continuous, not batched: due nodes are claimed whenever in-flight slots are free, each node runs
 * its targets one after another (one check per node at a time: fairness, and a proxy is never
 * hammered), and its lease is released — with its next due time — the moment its own round ends.
 * A hanging node therefore holds one slot, never anybody else's round. Releases are written in
 * small groups every RELEASE_FLUSH_MS; leases of nodes still in flight are renewed.
 */
export async function runProbeScheduler(options: ProbeSchedulerOptions): Promise<ProbeSchedulerStats> {
  return new ProbePipeline(options).run();
}

const RELEASE_FLUSH_MS = 200;
const ENSURE_ROWS_EVERY_MS = 5_000;
const TARGET_CACHE_MS = 30_000;

class ProbePipeline {
  private readonly owner: string;
  private readonly signal: AbortSignal;
  private readonly maxInFlight: number;
  private readonly claimBatch: number;
  private readonly leaseMs: number;
  private readonly writer: ProbeResultWriter;
  /** One for the pipeline's life: the control budget is a share of all it probes, a target's control answer is reused for its cache window. */
  private readonly attribution: Attributor;
  private readonly inFlight = new Map<string, Promise<void>>();
  private releases: LeaseRelease[] = [];
  private releasing: Promise<void> = Promise.resolve();
  private targets = new Map<string, CachedTarget>();
  private targetsLoadedAt = 0;
  private wake: (() => void) | undefined;
  /** Free slots worth a claim statement. */
  private readonly claimThreshold: number;
  readonly stats: ProbeSchedulerStats;

  constructor(private readonly options: ProbeSchedulerOptions) {
    this.owner = options.owner ?? `worker-${randomUUID()}`;
    this.signal = options.signal;
    // Every check in flight listens for the abort: thousands of listeners are expected here.
    setMaxListeners(0, this.signal);
    this.maxInFlight = options.maxInFlight ?? defaultMaxInFlight();
    this.claimBatch = options.claimBatch ?? 500;
    this.claimThreshold = Math.min(this.claimBatch, Math.ceil(this.maxInFlight / 8));
    this.leaseMs = options.leaseMs ?? 60_000;
    this.writer = new ProbeResultWriter({ source: "probe", onError: options.onError });
    this.attribution = new Attributor({ controls: databaseControlNodes(options.revealPassword), check: options.check });
    this.stats = { owner: this.owner, nodes: 0, checks: 0, skipped: 0, inFlight: 0, maxInFlight: this.maxInFlight };
  }

  async run(): Promise<ProbeSchedulerStats> {
    const { signal } = this;
    const startedAt = new Date();
    const onError = (error: unknown) => !signal.aborted && this.options.onError?.(error);
    const releaseTimer = setInterval(() => void this.flushReleases().catch(onError), RELEASE_FLUSH_MS);
    const renewTimer = setInterval(() => void this.renewLeases().catch(onError), Math.max(50, Math.floor(this.leaseMs / 3)));
    const heartbeatMs = this.options.heartbeatMs ?? 5_000;
    let checksAtBeat = 0;
    let beatAt = Date.now();
    const heartbeat = async () => {
      const now = Date.now();
      const rate = ((this.stats.checks - checksAtBeat) * 1000) / Math.max(1, now - beatAt);
      checksAtBeat = this.stats.checks;
      beatAt = now;
      const lag = await scheduleLag();
      if (signal.aborted) return;
      await reportWorkerStatus({ workerId: this.owner, startedAt, inFlightChecks: this.inFlight.size, maxInFlight: this.maxInFlight, resultsPerSecond: rate, ...lag });
    };
    const heartbeatTimer = heartbeatMs > 0 ? setInterval(() => void heartbeat().catch(onError), heartbeatMs) : undefined;
    if (heartbeatMs > 0) void heartbeat().catch(onError); // at once: the overview knows a worker runs
    const onAbort = () => this.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });

    let rowsEnsuredAt = 0;
    try {
      while (!signal.aborted) {
        const free = this.maxInFlight - this.inFlight.size;
        // Claim in groups, not per freed slot: one claim statement per node would cost more than its checks.
        if (free < this.claimThreshold) {
          await this.sleep(this.options.idleMs ?? 500, true);
          continue;
        }
        let claimed: ClaimedNode[];
        try {
          const ensure = Date.now() - rowsEnsuredAt >= ENSURE_ROWS_EVERY_MS;
          claimed = await claimDueNodes({ owner: this.owner, limit: Math.min(free, this.claimBatch), leaseMs: this.leaseMs, poolIds: this.options.poolIds, ensureLeaseRows: ensure });
          if (ensure) rowsEnsuredAt = Date.now();
          await this.loadTargets(claimed);
        } catch (error) {
          onError(error);
          await this.sleep(this.options.idleMs ?? 500, false);
          continue;
        }
        for (const node of claimed) this.start(node);
        // Fewer than asked: nothing else is due right now.
        if (claimed.length < Math.min(free, this.claimBatch)) await this.sleep(this.options.idleMs ?? 500, false);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      clearInterval(renewTimer);
      clearInterval(heartbeatTimer);
      // Checks reject at once on abort; wait for every node's round to hand in its release.
      await Promise.all(this.inFlight.values());
      clearInterval(releaseTimer);
      await this.writer.flush().catch((error) => this.options.onError?.(error));
      await this.flushReleases().catch((error) => this.options.onError?.(error));
      if (heartbeatMs > 0) await removeWorkerStatus(this.owner).catch((error) => this.options.onError?.(error));
    }
    this.stats.inFlight = 0;
    return this.stats;
  }

  /** Waits idleMs, or less when aborted or (wakeOnSlot) when a node's round ends and frees a slot. */
  private sleep(ms: number, wakeOnSlot: boolean): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => (this.signal.aborted || (wakeOnSlot && this.maxInFlight - this.inFlight.size >= this.claimThreshold)) && done();
    });
  }

  private async loadTargets(nodes: ClaimedNode[]): Promise<void> {
    // Re-read now and then: an operator may change a target's URL or timeouts.
    if (Date.now() - this.targetsLoadedAt > TARGET_CACHE_MS) {
      this.targets = new Map();
      this.targetsLoadedAt = Date.now();
    }
    const wanted = [...new Set(nodes.flatMap((n) => n.targetIds))].filter((id) => !this.targets.has(id));
    if (wanted.length === 0) return;
    for (const t of await prisma.probeTarget.findMany({ where: { id: { in: wanted } } })) this.targets.set(t.id, t);
  }

  private start(node: ClaimedNode): void {
    const round = this.probeNode(node)
      .catch((error) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight.delete(node.id);
        this.stats.inFlight = this.inFlight.size;
        this.wake?.();
      });
    this.inFlight.set(node.id, round);
    this.stats.inFlight = this.inFlight.size;
  }

  /** One node's round: its targets one after another; stops early when the node itself failed. */
  private async probeNode(node: ClaimedNode): Promise<void> {
    let probeNode: ProbeNode;
    try {
      probeNode = toProbeNode(node, this.options.revealPassword);
    } catch (error) {
      this.options.onError?.(error);
      this.releases.push(release(node, node.failStreak, true));
      return;
    }
    const targets = this.orderTargets(node, probeNode);
    const timeouts = adaptiveTimeouts({ connectMs: node.connectTimeoutMs, firstByteMs: node.firstByteTimeoutMs, totalMs: node.totalTimeoutMs }, node.failStreak);
    let nodeFailed = false;
    let interrupted = false;
    let checked = 0;
    for (const [index, target] of targets.entries()) {
      if (this.signal.aborted) {
        interrupted = true;
        break;
      }
      let attempt: ProbeAttempt;
      try {
        const spec = { id: target.id, url: target.url, expectedStatus: target.expectedStatus ?? undefined };
        const targetTimeouts = timeoutsForTarget(timeouts, target);
        attempt = await runProbeCheck(probeNode, spec, { ...this.options.check, timeouts: targetTimeouts, signal: this.signal });
        attempt = await this.attribution.refine(attempt, spec, targetTimeouts, this.signal);
        if (this.signal.aborted) throw this.signal.reason;
      } catch (error) {
        if (this.signal.aborted) {
          interrupted = true;
          break;
        }
        this.options.onError?.(error);
        continue;
      }
      checked++;
      const skipped = targets.length - index - 1;
      nodeFailed = nodeItselfFailed(attempt);
      if (nodeFailed && skipped > 0) {
        attempt.reason = `${attempt.reason}; ${skipped} more target${skipped === 1 ? "" : "s"} skipped this round (the node itself did not answer)`;
        this.stats.skipped += skipped;
      }
      this.stats.checks++;
      await this.writer.add(attempt);
      if (nodeFailed) break;
    }
    this.stats.nodes++;
    const failStreak = nodeFailed ? node.failStreak + 1 : checked > 0 ? 0 : node.failStreak;
    this.releases.push(release(node, failStreak, !interrupted));
  }

  /**
   * Targets whose first step is a handshake with the proxy go first (HTTPS targets through an
   * HTTP proxy: the CONNECT answer; every target through SOCKS), so a dead node is found out by
   * the cheapest check and its plain-HTTP targets are skipped.
   */
  private orderTargets(node: ClaimedNode, probeNode: ProbeNode): CachedTarget[] {
    const targets = node.targetIds.map((id) => this.targets.get(id)).filter((t): t is CachedTarget => t !== undefined);
    if (probeNode.scheme === "socks5") return targets;
    const tunnelled = (t: CachedTarget) => t.url.startsWith("https:");
    return [...targets.filter(tunnelled), ...targets.filter((t) => !tunnelled(t))];
  }

  private flushReleases(): Promise<void> {
    const batch = this.releases;
    this.releases = [];
    // Chained: two flushes never race each other for the same rows (a failed one does not block the next).
    const flushed = this.releasing.then(() => releaseLeases(this.owner, batch));
    this.releasing = flushed.catch(() => undefined);
    return flushed;
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) return;
    await prisma.$executeRaw`
      UPDATE "NodeProbeLease" SET "leaseUntil" = now() + ${this.leaseMs} * interval '1 millisecond'
      WHERE "nodeId" = ANY(${ids}::uuid[]) AND "leaseOwner" = ${this.owner}`;
  }
}
