import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { TARGET_PATHS } from "@/lib/lab/target-server";
import type { ProbeAttempt, ProbeNode } from "./probe-check";
import { KeyedLimiter, runProbeJobs, type ProbeJob } from "./probe-runner";

let lab: FaultLab;
beforeAll(async () => {
  lab = await startFaultLab({ proxies: [{ name: "http-healthy", kind: "http" }] });
});
afterAll(() => lab?.close());

const node = (id: string): ProbeNode => ({ id, scheme: "http", host: "127.0.0.1", port: lab.proxy("http-healthy").port });
const slow = (ms: number) => ({ url: `${lab.httpTarget.baseUrl}${TARGET_PATHS.slowHeaders}?ms=${ms}` });

/** Largest number of attempts whose [start, end] intervals overlap at one instant (startedAt has ms resolution: 1 ms slack). */
function maxOverlap(attempts: ProbeAttempt[]): number {
  const edges = attempts.flatMap((a) => [
    [a.startedAt.getTime(), 1],
    [a.startedAt.getTime() + a.totalMs - 1, -1],
  ]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of edges) max = Math.max(max, (current += delta));
  return max;
}

describe("runProbeJobs", () => {
  it("keeps to the per-node limit and to the global limit", async () => {
    const results: ProbeAttempt[] = [];
    const jobs: ProbeJob[] = [];
    for (let i = 0; i < 4; i++) jobs.push({ node: node("same"), target: slow(120) });
    for (let i = 0; i < 6; i++) jobs.push({ node: node(`n${i}`), target: slow(120) });
    const summary = await runProbeJobs(jobs, { concurrency: 3, perNodeConcurrency: 1, onResult: (a) => void results.push(a) });
    expect(summary).toMatchObject({ done: 10, ok: 10, failed: 0, cancelled: false });
    expect(maxOverlap(results.filter((a) => a.nodeId === "same"))).toBe(1);
    expect(maxOverlap(results)).toBeLessThanOrEqual(3);
    expect(maxOverlap(results)).toBeGreaterThanOrEqual(2);
  });

  it("pulls lazily from an endless source and stops on abort", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<ProbeJob> {
      for (let i = 0; ; i++) {
        pulled++;
        yield { node: node(`e${i}`), target: { url: `${lab.httpTarget.baseUrl}${TARGET_PATHS.ok}` } };
      }
    }
    const controller = new AbortController();
    let done = 0;
    const run = runProbeJobs(endless(), {
      concurrency: 4,
      signal: controller.signal,
      onProgress: (p) => {
        done = p.done;
        if (p.done >= 40) controller.abort();
      },
    });
    const summary = await run;
    expect(summary.cancelled).toBe(true);
    expect(summary.done).toBeGreaterThanOrEqual(40);
    expect(done).toBe(summary.done);
    // Never more than one job per worker beyond what finished: no hidden queue.
    expect(pulled).toBeLessThanOrEqual(summary.done + 4);
  });

  it("runs many checks under one abort signal without a MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const controller = new AbortController();
    let callerListeners = 0;
    try {
      const jobs: ProbeJob[] = Array.from({ length: 40 }, (_, i) => ({ node: node(`w${i}`), target: slow(150) }));
      const summary = await runProbeJobs(jobs, {
        concurrency: 32,
        signal: controller.signal,
        onProgress: () => void (callerListeners = Math.max(callerListeners, getEventListeners(controller.signal, "abort").length)),
      });
      expect(summary).toMatchObject({ done: 40, ok: 40, cancelled: false });
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    expect(callerListeners).toBe(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("cancels a run with per-node concurrency 2 without releasing a deleted slot", async () => {
    // Two checks through one node in flight, a third waiting for the node: cancel rejects both at
    // once, so two releases happen in one tick while the waiter has not run yet.
    const controller = new AbortController();
    const jobs: ProbeJob[] = Array.from({ length: 6 }, () => ({ node: node("same"), target: slow(5_000) }));
    const run = runProbeJobs(jobs, { concurrency: 3, perNodeConcurrency: 2, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 150));
    controller.abort(new Error("cancelled by operator"));
    await expect(run).resolves.toMatchObject({ cancelled: true, done: 0 });
  });
});

describe("KeyedLimiter", () => {
  it("hands a released slot to the waiter and forgets a key only when nothing uses it", async () => {
    const limiter = new KeyedLimiter(2);
    // Free slots are taken at once (no promise); the third waits for a hand-off.
    expect(limiter.acquire("n")).toBeUndefined();
    expect(limiter.acquire("n")).toBeUndefined();
    let third = false;
    const waiting = limiter.acquire("n")!.then(() => (third = true));
    limiter.release("n");
    limiter.release("n"); // the waiter has not run yet: its slot must survive this
    await waiting;
    expect(third).toBe(true);
    expect(limiter.size).toBe(1);
    limiter.release("n");
    expect(limiter.size).toBe(0);
    expect(() => limiter.release("n")).toThrow(/never acquired/);
  });
});
