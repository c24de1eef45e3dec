import { setMaxListeners } from "node:events";
import type { Attributor } from "./attribution";
import { runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTargetSpec, type ProbeTimeouts } from "./probe-check";

export interface ProbeJob {
  node: ProbeNode;
  target: ProbeTargetSpec;
  /** Per-pool/per-target timeouts; falls back to the run's. */
  timeouts?: Partial<ProbeTimeouts>;
}

export interface ProbeProgress {
  done: number;
  ok: number;
  failed: number;
  /** Known only when the caller said how many jobs there are. */
  total?: number;
}

export interface RunProbeJobsOptions {
  /** Checks in flight at once, over all nodes. */
  concurrency?: number;
  /** Checks in flight at once through one node (don't hammer a single proxy). */
  perNodeConcurrency?: number;
  signal?: AbortSignal;
  total?: number;
  /** Called with every attempt; awaited, so a slow consumer (the DB writer) slows the run down. */
  onResult?: (attempt: ProbeAttempt) => void | Promise<void>;
  onProgress?: (progress: ProbeProgress) => void;
  /** Evidence from other paths (cohort, control requests) for attempts one path cannot settle. */
  attribution?: Attributor;
  /** Shared check options (lookup, CA, default timeouts); the signal is the run's. */
  check?: Omit<ProbeCheckOptions, "signal">;
}

export interface ProbeRunSummary extends ProbeProgress {
  cancelled: boolean;
}

/**
 * Per-key slot limit whose waiting list is bounded by the worker count (only workers wait).
 * A released slot is handed straight to the next waiter (still counted as active), so a slot is
 * never deleted while a woken waiter is about to use it.
 */
export class KeyedLimiter {
  private readonly slots = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(private readonly limit: number) {}

  /** Takes a slot: undefined when one was free (no promise, no tick: the common case), else a promise for the hand-off. */
  acquire(key: string): Promise<void> | undefined {
    const slot = this.slots.get(key);
    if (!slot) {
      this.slots.set(key, { active: 1, waiting: [] });
      return;
    }
    if (slot.active < this.limit) {
      slot.active++;
      return;
    }
    return new Promise<void>((resolve) => slot.waiting.push(resolve));
  }

  release(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) throw new Error(`released a slot of ${key} that was never acquired`);
    const next = slot.waiting.shift();
    if (next) return next(); // hand-off: the slot stays active for the waiter
    if (--slot.active === 0) this.slots.delete(key);
  }

  /** Keys with a slot in use or a waiter (tests: nothing is left behind). */
  get size(): number {
    return this.slots.size;
  }
}

/**
 * Runs probe jobs with N workers that each pull the next job from the (possibly lazy, possibly
 * endless) source: nothing is queued beyond the jobs the workers hold, so memory stays flat
 * whether the source yields ten jobs or ten million. Abort stops pulling and cancels checks in flight.
 */
export async function runProbeJobs(jobs: Iterable<ProbeJob> | AsyncIterable<ProbeJob>, options: RunProbeJobsOptions = {}): Promise<ProbeRunSummary> {
  const iterator: Iterator<ProbeJob> | AsyncIterator<ProbeJob> =
    Symbol.asyncIterator in jobs ? (jobs as AsyncIterable<ProbeJob>)[Symbol.asyncIterator]() : (jobs as Iterable<ProbeJob>)[Symbol.iterator]();
  const perNode = new KeyedLimiter(options.perNodeConcurrency ?? 1);
  const progress: ProbeProgress = { done: 0, ok: 0, failed: 0, total: options.total };
  const concurrency = Math.max(1, options.concurrency ?? 64);
  // Every check in flight listens for abort: one listener per worker on a signal of our own (the
  // caller's gets one, which forwards), instead of N on the caller's, which Node reports as a
  // MaxListenersExceededWarning past 10.
  const run = new AbortController();
  setMaxListeners(concurrency + 1, run.signal);
  const signal = run.signal;
  const forwardAbort = () => run.abort(options.signal?.reason);
  if (options.signal?.aborted) run.abort(options.signal.reason);
  else options.signal?.addEventListener("abort", forwardAbort, { once: true });
  let exhausted = false;
  // Shared by every check without timeouts of its own (built once, not per check).
  const checkOptions: ProbeCheckOptions = { ...options.check, signal };

  const worker = async () => {
    while (!exhausted && !signal.aborted) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const job = next.value;
      const slot = perNode.acquire(job.node.id);
      if (slot) await slot;
      const timeouts = job.timeouts ? { ...options.check?.timeouts, ...job.timeouts } : options.check?.timeouts;
      let attempt: ProbeAttempt;
      try {
        if (signal.aborted) return;
        attempt = await runProbeCheck(job.node, job.target, job.timeouts ? { ...checkOptions, timeouts } : checkOptions);
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      } finally {
        perNode.release(job.node.id);
      }
      if (options.attribution) {
        const refined = options.attribution.refine(attempt, job.target, timeouts, signal);
        // Settled by one path (most attempts): no promise to wait for.
        attempt = refined instanceof Promise ? await refined : refined;
        if (signal?.aborted) return;
      }
      const consumed = options.onResult?.(attempt);
      if (consumed) await consumed;
      // Counted after the (awaited) consumer, with no await before the callback: progress is monotonic.
      progress.done++;
      if (attempt.faultClass === "ok") progress.ok++;
      else progress.failed++;
      options.onProgress?.({ ...progress });
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    options.signal?.removeEventListener("abort", forwardAbort);
  }
  return { ...progress, cancelled: options.signal?.aborted ?? false };
}
