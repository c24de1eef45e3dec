import { applyControl, needsSecondPath } from "./control-check";
import { runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTargetSpec, type ProbeTimeouts } from "./probe-check";

/** Finds a known-good node for a control request: same pool, recently ok on the target, never the node itself. */
export interface ControlNodeSource {
  pick(nodeId: string, targetId: string | null): Promise<ProbeNode | null>;
}

export interface AttributionOptions {
  controls?: ControlNodeSource;
  /** Control requests allowed per probe attempt, over the attributor's life (default 0.05: 5 %). */
  controlShare?: number;
  /** Control requests allowed on top of the share (a small run still gets its second opinions). */
  controlBurst?: number;
  /** How long a target's control answer is reused (default 30 s). */
  controlCacheMs?: number;
  /** Window of the cohort evidence (default 60 s). */
  cohortWindowMs?: number;
  /** Other nodes that must have tried the target in the window (default 3). */
  cohortMinNodes?: number;
  /** Share of those that must have failed the same way (default 0.6). */
  cohortShare?: number;
  check?: Omit<ProbeCheckOptions, "signal" | "timeouts">;
  now?: () => number;
}

export interface AttributionStats {
  probes: number;
  controls: number;
  controlCacheHits: number;
  decidedByControl: number;
  decidedByCohort: number;
  /** Second opinions wanted but refused by the budget. */
  overBudget: number;
  /** Later failures that found only a failed control answer in the cache: left undecided, no new request. */
  controlInconclusive: number;
}

interface ControlEntry {
  at: number;
  answer: Promise<ProbeAttempt | null>;
  /** Set once the answer is in (undefined while in flight). */
  settled?: ProbeAttempt | null;
}

interface CohortEntry {
  bucket: string;
  failed: boolean;
  at: number;
}

/**
 * One target's cohort: the latest attempt per node within the window, oldest first (a node's new
 * attempt moves it to the end), with running counts, so recording and reading cost O(1) however
 * many nodes probe the target (a 10,000-node pool on one target made a list scan the engine's
 * hottest code).
 */
interface CohortWindow {
  byNode: Map<string, CohortEntry>;
  failedByBucket: Map<string, number>;
}

/** The other nodes that tried the target in the window, and how many of them failed in the attempt's bucket. */
interface CohortPeers {
  others: number;
  sameFailures: number;
}

/**
 * Evidence from other paths for attempts whose blame one path cannot settle (a relayed unmarked
 * 5xx, silence after the tunnel, a proxy's timeout...), cheapest first:
 *  1. a control answer on this target from the last 30 s, if there is one — only a successful one
 *     decides later failures: a failed control (a timeout under load, the target down for a
 *     moment) settles the attempt that asked for it, and is "inconclusive" for the others, so one
 *     bad control answer never pins 30 s of failures on the target;
 *  2. cohort, for free: the same target failing the same way (bucket) through most of the other
 *     nodes that tried it in the last minute → the target;
 *  3. a new control request through a known-good node of the same pool, budgeted to a share of probe
 *     traffic and cached per target for a short window (one control answers for every node that
 *     failed on that target meanwhile).
 * Used by scheduled probes, Test now and health re-tests (through runProbeJobs' `attribution`).
 */
export class Attributor {
  readonly stats: AttributionStats = { probes: 0, controls: 0, controlCacheHits: 0, decidedByControl: 0, decidedByCohort: 0, overBudget: 0, controlInconclusive: 0 };
  private readonly cohort = new Map<string, CohortWindow>();
  private readonly controlCache = new Map<string, ControlEntry>();
  private readonly now: () => number;

  constructor(private readonly options: AttributionOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Records the attempt as cohort evidence and, when one path cannot settle the blame, asks others. */
  refine(attempt: ProbeAttempt, target: ProbeTargetSpec, timeouts?: Partial<ProbeTimeouts>, signal?: AbortSignal): ProbeAttempt | Promise<ProbeAttempt> {
    this.stats.probes++;
    const key = target.id ?? target.url;
    const now = this.now();
    const peers = this.remember(key, attempt, now);
    if (!needsSecondPath(attempt)) return attempt;
    // A fresh successful control answer on this target (or one in flight) beats the cohort: it saw
    // the target through a node known to be good. A failed one does not.
    const cached = this.freshControl(key, now);
    if (!cached || (cached.settled !== undefined && cached.settled?.faultClass !== "ok")) {
      const byCohort = this.fromCohort(attempt, peers);
      if (byCohort) return byCohort;
    }
    return this.fromControl(attempt, key, target, timeouts, signal, now);
  }

  private freshControl(key: string, now: number): ControlEntry | undefined {
    const cached = this.controlCache.get(key);
    return cached !== undefined && now - cached.at <= (this.options.controlCacheMs ?? 30_000) ? cached : undefined;
  }

  /** Keeps the latest entry per node for the window; returns what the other nodes saw. */
  private remember(key: string, attempt: ProbeAttempt, now: number): CohortPeers {
    const windowMs = this.options.cohortWindowMs ?? 60_000;
    let window = this.cohort.get(key);
    if (!window) {
      this.cohort.set(key, (window = { byNode: new Map(), failedByBucket: new Map() }));
      if (this.cohort.size > 10_000) this.cohort.delete(this.cohort.keys().next().value!);
    }
    for (const [nodeId, entry] of window.byNode) {
      if (now - entry.at <= windowMs) break; // oldest first: the rest are fresh
      forget(window, nodeId, entry);
    }
    // One entry per node: a node probed twice in the window speaks once.
    const own = window.byNode.get(attempt.nodeId);
    if (own) forget(window, attempt.nodeId, own);
    const peers = { others: window.byNode.size, sameFailures: window.failedByBucket.get(attempt.bucket) ?? 0 };
    const entry = { bucket: attempt.bucket, failed: attempt.faultClass !== "ok", at: now };
    window.byNode.set(attempt.nodeId, entry);
    if (entry.failed) window.failedByBucket.set(entry.bucket, (window.failedByBucket.get(entry.bucket) ?? 0) + 1);
    return peers;
  }

  private fromCohort(attempt: ProbeAttempt, peers: CohortPeers): ProbeAttempt | null {
    const minNodes = this.options.cohortMinNodes ?? 3;
    if (peers.others < minNodes) return null;
    if (peers.sameFailures / peers.others < (this.options.cohortShare ?? 0.6)) return null;
    this.stats.decidedByCohort++;
    const reason = `${attempt.reason}; ${peers.sameFailures} of ${peers.others} other nodes failed on this target the same way in the last minute: target-side fault`;
    const responder = attempt.responder === "unknown" ? { responder: "target" as const, responderEvidence: "cohort" as const } : {};
    return { ...attempt, ...responder, faultOrigin: "target", originEvidence: "cohort", reason };
  }

  private async fromControl(
    attempt: ProbeAttempt,
    key: string,
    target: ProbeTargetSpec,
    timeouts: Partial<ProbeTimeouts> | undefined,
    signal: AbortSignal | undefined,
    now: number,
  ): Promise<ProbeAttempt> {
    const { controls } = this.options;
    if (!controls) return attempt;
    const cached = this.freshControl(key, now);
    if (cached) {
      const control = await cached.answer;
      if (!control) return attempt; // no known-good node for this target right now
      // Never a node's own control: it asks anew below.
      if (control.nodeId !== attempt.nodeId) {
        this.stats.controlCacheHits++;
        if (control.faultClass === "ok") return this.decided(applyControl(attempt, control));
        this.stats.controlInconclusive++;
        const ago = Math.round((this.now() - cached.at) / 1000);
        return { ...attempt, reason: `${attempt.reason}; a control request on this target failed ${ago} s ago (${control.faultClass}): inconclusive` };
      }
    }
    if (!this.takeBudget()) {
      this.stats.overBudget++;
      return attempt;
    }
    const entry: ControlEntry = { at: now, answer: this.runControl(controls, attempt.nodeId, target, timeouts, signal) };
    void entry.answer.then((control) => (entry.settled = control));
    this.controlCache.set(key, entry);
    if (this.controlCache.size > 10_000) this.controlCache.delete(this.controlCache.keys().next().value!);
    const control = await entry.answer;
    if (!control) return attempt;
    return this.decided(applyControl(attempt, control));
  }

  private decided(refined: ProbeAttempt): ProbeAttempt {
    if (refined.originEvidence === "control") this.stats.decidedByControl++;
    return refined;
  }

  private takeBudget(): boolean {
    const allowed = (this.options.controlBurst ?? 3) + (this.options.controlShare ?? 0.05) * this.stats.probes;
    if (this.stats.controls + 1 > allowed) return false;
    this.stats.controls++;
    return true;
  }

  private async runControl(
    controls: ControlNodeSource,
    nodeId: string,
    target: ProbeTargetSpec,
    timeouts: Partial<ProbeTimeouts> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ProbeAttempt | null> {
    const node = await controls.pick(nodeId, target.id ?? null).catch(() => null);
    if (!node || node.id === nodeId) {
      this.stats.controls--; // nothing was sent
      return null;
    }
    try {
      return await runProbeCheck(node, target, { ...this.options.check, timeouts, signal });
    } catch {
      return null; // cancelled with the run
    }
  }
}

function forget(window: CohortWindow, nodeId: string, entry: CohortEntry): void {
  window.byNode.delete(nodeId);
  if (entry.failed) window.failedByBucket.set(entry.bucket, (window.failedByBucket.get(entry.bucket) ?? 1) - 1);
}
