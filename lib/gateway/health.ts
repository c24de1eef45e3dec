import { MEASURED_SOURCES, type ResultSource } from "@/lib/probe/result-writer";

/**
 * THE health rule of the checkout gateway (one place; the index and the docs use it):
 *
 *   a node is handed out only when its state is ENABLED (DRAINING and DISABLED never are) AND,
 *   within the last HEALTH_WINDOW_MINUTES, neither
 *     - its latest HEALTH_RESULTS results (probes, gateway attempts and caller reports) are all
 *       failures with at least one of them measured by us (probe or gateway), nor
 *     - its latest HEALTH_RESULTS measured results are all failures.
 *   Fewer results than that in the window = no verdict = healthy.
 *
 * So a caller's report weighs less than our probe: it can confirm a failing probe (two caller
 * failures after one failed probe take the node out at once, without waiting for two more probe
 * rounds) but never convicts a node on its own, and a caller's "ok" cannot keep a node whose
 * probes keep failing in rotation.
 *
 * Automatic ejection (the dashboard's job) sets node state; this rule only keeps an obviously dead
 * node out of rotation between probe rounds. Probe results do not notify the index: it re-reads
 * them every STATS_REFRESH_MS.
 */
export const HEALTH_RESULTS = 3;
export const HEALTH_WINDOW_MINUTES = 30;

export function isNodeHealthy(node: {
  state: string;
  /** Newest first, any source. */
  recentBuckets: readonly string[];
  /** The source ("probe" | "gateway" | "caller") of each entry of recentBuckets. */
  recentSources: readonly string[];
  /** Newest first, measured results only (MEASURED_SOURCES: probes and gateway attempts). */
  recentProbeBuckets: readonly string[];
}): boolean {
  if (node.state !== "ENABLED") return false;
  const allFailed = (buckets: readonly string[]) => buckets.length >= HEALTH_RESULTS && buckets.slice(0, HEALTH_RESULTS).every((bucket) => bucket !== "ok");
  if (allFailed(node.recentProbeBuckets)) return false;
  return !(allFailed(node.recentBuckets) && node.recentSources.slice(0, HEALTH_RESULTS).some((source) => MEASURED_SOURCES.includes(source as ResultSource)));
}

/** Per node over the health window: latest buckets and their sources, latest probe buckets (newest first), mean ok latency, latest exit IP. */
export const NODE_STATS_SQL = `
SELECT "nodeId"::text AS "nodeId",
       (array_agg("bucket" ORDER BY "startedAt" DESC))[1:${HEALTH_RESULTS}] AS "recent",
       (array_agg("source" ORDER BY "startedAt" DESC))[1:${HEALTH_RESULTS}] AS "recentSources",
       coalesce((array_agg("bucket" ORDER BY "startedAt" DESC) FILTER (WHERE "source" IN (${MEASURED_SOURCES.map((source) => `'${source}'`).join(", ")})))[1:${HEALTH_RESULTS}], '{}') AS "recentProbe",
       avg("totalMs") FILTER (WHERE "bucket" = 'ok') AS "latencyMs",
       (array_agg("exitIp" ORDER BY "startedAt" DESC) FILTER (WHERE "exitIp" IS NOT NULL))[1] AS "exitIp"
FROM "ProbeResult"
WHERE "startedAt" > now() - interval '${HEALTH_WINDOW_MINUTES} minutes'
GROUP BY "nodeId"`;
