import { setTimeout as sleep } from "node:timers/promises";

/**
 * A background job run by the worker role. Jobs that must run on one instance at a time take a
 * PostgreSQL advisory lock (see withAdvisoryLock); per-node work uses row leases with
 * FOR UPDATE SKIP LOCKED, so any number of workers can share one database without double work.
 */
export interface BackgroundJob {
  name: string;
  /** Pause between runs (jitter is added so instances drift apart). */
  intervalMs: number;
  run(signal: AbortSignal): Promise<void>;
}

const jobs: BackgroundJob[] = [];

export function registerBackgroundJob(job: BackgroundJob): void {
  if (jobs.some((existing) => existing.name === job.name)) throw new Error(`Background job ${job.name} registered twice.`);
  jobs.push(job);
}

export function registeredBackgroundJobs(): readonly BackgroundJob[] {
  return jobs;
}

/** Runs every registered job in its own loop until the signal aborts; a failing run is logged, not fatal. */
export async function runBackgroundJobs(signal: AbortSignal, log: (line: string) => void): Promise<void> {
  await Promise.all(
    jobs.map(async (job) => {
      while (!signal.aborted) {
        try {
          await job.run(signal);
        } catch (error) {
          if (!signal.aborted) log(`worker: job ${job.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        const jitter = Math.random() * job.intervalMs * 0.2;
        await sleep(job.intervalMs + jitter, undefined, { signal }).catch(() => undefined);
      }
    }),
  );
}
