// The worker role's jobs. Each is safe to run on several instances at once (see README, Architecture).
import { withAdvisoryLock } from "@/lib/db/advisory-lock";
import { productProbeOptions } from "@/lib/probe/probe-settings-from-env";
import { runProbeScheduler } from "@/lib/probe/probe-scheduler";
import { pruneRawResults } from "@/lib/probe/result-retention";
import { ensureResultPartitions } from "@/lib/probe/result-partitions";
import { sweepAuthTables } from "@/lib/auth/maintenance";
import { runHealthRound } from "@/lib/health/health-job";
import { pruneStatsRollups, ROLLUP_DELAY_MS, rollUpStats } from "@/lib/stats/rollup";
import { evaluateAlertRules } from "@/lib/alerts/evaluate-alerts";
import { deliverDueNotifications } from "@/lib/alerts/notifications";
import { expireProbeLeases } from "@/lib/probe/probe-lease-expiry";
import { markInterruptedProbeRuns } from "@/lib/probe/probe-runs";
import { sweepGatewayLeases } from "@/lib/gateway/leases";
import { registerBackgroundJob } from "./background-jobs";

const RETENTION_HOURS = Number(process.env.SWITCHYARD_RESULT_RETENTION_HOURS ?? 48);

registerBackgroundJob({
  name: "probe-scheduler",
  intervalMs: 1_000,
  // Runs until shutdown; row leases keep several workers off each other's nodes. A CA file that
  // appears later (npm run lab) needs no restart: every check reads the options' `ca` as it starts.
  run: async (signal) => {
    const { check, revealPassword } = productProbeOptions();
    await runProbeScheduler({
      signal,
      check,
      revealPassword,
      onError: (error) => console.error("probe-scheduler:", error instanceof Error ? error.message : error),
    });
  },
});

registerBackgroundJob({
  name: "stats-rollups",
  // The one statistics pipeline (lib/stats/rollup.ts), then retention: every step is a bounded
  // chunk and the round stops within its budget, so a backlog (a busy machine, a worker that was
  // down) is caught up over several rounds and reported, never folded in one long transaction.
  intervalMs: 10_000,
  run: async () => {
    await withAdvisoryLock("switchyard:stats-rollups", async () => {
      const rollup = await rollUpStats(new Date(Date.now() - ROLLUP_DELAY_MS), { budgetMs: 6_000 });
      if (!rollup.caughtUp) {
        console.warn(`stats-rollups: ${rollup.lagSeconds} s behind after folding ${rollup.rawRows} results in ${rollup.chunks} chunks; catching up over the next rounds`);
      }
      await pruneStatsRollups(new Date(), { budgetMs: 1_500 });
      // Raw results: expired partitions are dropped whole; only the catch-all partitions lose rows.
      const pruned = await pruneRawResults(new Date(Date.now() - RETENTION_HOURS * 3_600_000), { budgetMs: 1_500 });
      if (!pruned.done) console.warn(`stats-rollups: raw-result retention deleted ${pruned.rows} rows this round; more to go`);
      if (pruned.partitionsDeferred > 0)
        console.warn(
          `stats-rollups: ${pruned.partitionsDeferred} expired result partitions left for the next round (lock not free in time; ${pruned.partitionsEmptied.length} emptied meanwhile)`,
        );
    });
  },
});

registerBackgroundJob({
  name: "result-partitions",
  // ProbeResult partitions ahead of time (lib/probe/result-partitions.ts); one instance at a time.
  intervalMs: 60_000,
  run: async () => {
    const run = await withAdvisoryLock("switchyard:result-partitions", () => ensureResultPartitions());
    if (run?.deferred) console.warn(`result-partitions: created ${run.created.length}, the rest next round (a lock was not free in time)`);
  },
});

registerBackgroundJob({
  name: "node-health",
  // Automatic ejection / re-admission (lib/health); one instance at a time.
  intervalMs: 5_000,
  run: async () => void (await runHealthRound()),
});

registerBackgroundJob({
  name: "lease-expiry",
  // Probe leases of dead workers, unreported gateway leases (and their rows after a day), probe
  // runs whose process died. Idempotent, so every instance may run it.
  intervalMs: 15_000,
  run: async () => {
    await expireProbeLeases();
    await sweepGatewayLeases();
    await markInterruptedProbeRuns();
  },
});

registerBackgroundJob({
  name: "auth-sweep",
  intervalMs: 60 * 60_000,
  // Expired sessions and old rate-limit windows; deleting the same rows twice is harmless.
  run: async () => void (await sweepAuthTables()),
});

registerBackgroundJob({
  name: "alerts",
  // Rules: one instance at a time (advisory lock) and once per interval per rule (lastEvaluatedAt).
  // Delivery: any instance; outbox rows are claimed with FOR UPDATE SKIP LOCKED.
  intervalMs: 10_000,
  run: async () => {
    await withAdvisoryLock("switchyard:alerts", () => evaluateAlertRules());
    await deliverDueNotifications();
  },
});
