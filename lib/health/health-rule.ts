import { isNodeFault, NODE_FAULT_ORIGINS } from "@/lib/probe/fault-taxonomy";
import { MEASURED_SOURCES } from "@/lib/probe/result-writer";

/**
 * THE health rule: what counts for and against a proxy node. Everything that judges a node uses
 * this file: the checkout index (which nodes are handed out), the forward-proxy gateway (which
 * nodes it tries, which it cools down), automatic ejection and re-admission (health-machine.ts)
 * and the "healthy nodes below N" alert.
 *
 * 1. A failure counts against the node only when its faultOrigin is the node itself ("proxy") or
 *    the network path to it ("network"): NODE_FAULT_ORIGINS. The network counts because, from the
 *    client's side, a proxy nobody can reach is as useless as a dead one, and another node's path
 *    may well work. A target's own 5xx, a block (403/429/captcha), a target 4xx and an undecided
 *    origin ("unknown") never count: they neither convict nor clear the node (a streak of node
 *    failures is not reset by them either).
 * 2. A success clears (resets a streak).
 * 3. Evidence is what Switchyard measured itself: its probes and its gateway's attempts
 *    (MEASURED_SOURCES). A caller's report (POST /api/v1/results, lease results) can confirm a
 *    failing measurement in the checkout index, never convict a node on its own, and never counts
 *    for automatic ejection or re-admission (a forged "unreachable" must not eject a node, nor a
 *    forged "ok" keep a dead one).
 *
 * Applied at two speeds. **Rotation** (checkout index, gateway, alert): a node is handed out when
 * it is ENABLED and, within the last ROTATION_WINDOW_MINUTES, neither its last ROTATION_RESULTS
 * judged results (rule 1–2: successes and node-caused failures, any source) are all node-caused
 * failures with at least one measured, nor its last ROTATION_RESULTS measured judged results are.
 * Fewer judged results = no verdict = in rotation. **Ejection** (the pool's PoolHealthPolicy,
 * health-machine.ts): N node-caused failures in a row, or a node-caused 502/504 rate over a window,
 * set the node DISABLED until re-tests pass. Rotation only bridges the time between probe rounds.
 */
export const ROTATION_RESULTS = 3;
export const ROTATION_WINDOW_MINUTES = 30;

/** Rule 1: this result is a failure the node is to blame for. */
export function countsAgainstNode(result: { faultClass: string; faultOrigin: string }): boolean {
  return result.faultClass !== "ok" && isNodeFault(result.faultOrigin);
}

/** Rule 3: this result was measured by Switchyard (a probe or a gateway attempt), not reported by a caller. */
export function isMeasured(source: string): boolean {
  return (MEASURED_SOURCES as readonly string[]).includes(source);
}

const inList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(", ");
/** Rules 1–2 in SQL over "ProbeResult": the result says something about the node (a success or a node-caused failure). */
const JUDGED_SQL = `("faultClass" = 'ok' OR "faultOrigin" IN (${inList(NODE_FAULT_ORIGINS)}))`;
const MEASURED_SQL = `("source" IN (${inList(MEASURED_SOURCES)}))`;

/** What the rotation rule reads per node (newest first, judged results only). */
export interface RecentVerdicts {
  /** Success (true) or node-caused failure (false) of the latest judged results, any source. */
  recentOk: boolean[];
  /** Whether each entry of recentOk was measured by Switchyard. */
  recentMeasured: boolean[];
  /** Success or node-caused failure of the latest judged measured results. */
  recentMeasuredOk: boolean[];
}

/**
 * The select list (after "nodeId") that computes RecentVerdicts from "ProbeResult" rows; use with
 * ROTATION_WINDOW_SQL as the row filter and GROUP BY "nodeId".
 */
export const RECENT_VERDICTS_SQL = `
       coalesce((array_agg("faultClass" = 'ok' ORDER BY "startedAt" DESC) FILTER (WHERE ${JUDGED_SQL}))[1:${ROTATION_RESULTS}], '{}') AS "recentOk",
       coalesce((array_agg(${MEASURED_SQL} ORDER BY "startedAt" DESC) FILTER (WHERE ${JUDGED_SQL}))[1:${ROTATION_RESULTS}], '{}') AS "recentMeasured",
       coalesce((array_agg("faultClass" = 'ok' ORDER BY "startedAt" DESC) FILTER (WHERE ${JUDGED_SQL} AND ${MEASURED_SQL}))[1:${ROTATION_RESULTS}], '{}') AS "recentMeasuredOk"`;
export const ROTATION_WINDOW_SQL = `"startedAt" > now() - interval '${ROTATION_WINDOW_MINUTES} minutes'`;

export const NO_VERDICTS: RecentVerdicts = { recentOk: [], recentMeasured: [], recentMeasuredOk: [] };

/** The rotation rule: may this node be handed out? */
export function isInRotation(state: string, verdicts: RecentVerdicts): boolean {
  if (state !== "ENABLED") return false;
  const allFailed = (ok: readonly boolean[]) => ok.length >= ROTATION_RESULTS && ok.slice(0, ROTATION_RESULTS).every((success) => !success);
  if (allFailed(verdicts.recentMeasuredOk)) return false;
  return !(allFailed(verdicts.recentOk) && verdicts.recentMeasured.slice(0, ROTATION_RESULTS).some(Boolean));
}
