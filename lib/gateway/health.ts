/**
 * THE health rule of the checkout gateway (one place; the index and the docs use it):
 *
 *   a node is handed out only when its state is ENABLED (DRAINING and DISABLED never are) AND
 *   its latest HEALTH_RESULTS probe/caller results within the last HEALTH_WINDOW_MINUTES are not
 *   all failures. Fewer results than that in the window = no verdict = healthy.
 *
 * Automatic ejection (the dashboard's job) sets node state; this rule only keeps an obviously dead
 * node out of rotation between probe rounds. Probe results do not notify the index: it re-reads
 * them every STATS_REFRESH_MS.
 */
export const HEALTH_RESULTS = 3;
export const HEALTH_WINDOW_MINUTES = 30;

export function isNodeHealthy(node: { state: string; recentBuckets: readonly string[] }): boolean {
  if (node.state !== "ENABLED") return false;
  const recent = node.recentBuckets.slice(0, HEALTH_RESULTS);
  if (recent.length < HEALTH_RESULTS) return true;
  return recent.some((bucket) => bucket === "ok");
}

/** Per node over the health window: latest buckets (newest first), mean ok latency, latest exit IP. */
export const NODE_STATS_SQL = `
SELECT "nodeId"::text AS "nodeId",
       (array_agg("bucket" ORDER BY "startedAt" DESC))[1:${HEALTH_RESULTS}] AS "recent",
       avg("totalMs") FILTER (WHERE "bucket" = 'ok') AS "latencyMs",
       (array_agg("exitIp" ORDER BY "startedAt" DESC) FILTER (WHERE "exitIp" IS NOT NULL))[1] AS "exitIp"
FROM "ProbeResult"
WHERE "startedAt" > now() - interval '${HEALTH_WINDOW_MINUTES} minutes'
GROUP BY "nodeId"`;
