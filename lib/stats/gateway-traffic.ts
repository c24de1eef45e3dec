import "server-only";
import { defaultStatsDb, type StatsDb } from "./db";
import { resolveQueryWindow, sqlInstant, type StatsQuery } from "./windows";

/** The rate shown as "requests/s" is over this recent span (the counters arrive every few seconds). */
const GATEWAY_RATE_MINUTES = 5;

export interface GatewayFailureRow {
  /** A fault class of lib/probe/fault-taxonomy.ts, or a gateway outcome (no_healthy_node, deadline, client_closed). */
  finalClass: string;
  /** proxy | network | target | gateway | client | unknown */
  origin: string;
  requests: number;
}

export interface GatewayTraffic {
  /** Client requests through the forward-proxy gateway in the window. */
  requests: number;
  /** Attempts those requests made. */
  attempts: number;
  /** Attempts past each request's first (a request the gateway answered without trying a node, e.g. no_healthy_node, made none). */
  retries: number;
  /** Requests whose final answer was not a success (the gateway's own failures and relayed target failures). */
  failures: number;
  /** Requests per second over the last `rateMinutes` minutes (of the custom range, when there is one). */
  requestsPerSecond: number;
  rateMinutes: number;
  /** Final failures by class and origin, most first. */
  failuresByClass: GatewayFailureRow[];
}

/**
 * The overview's gateway panel: GatewayTrafficMinute (per pool × minute × final outcome, written
 * by every gateway instance every few seconds) summed over the window or custom range (the minutes
 * that reach into it, like the overview's rollup), plus the rate over its last minutes.
 */
export async function gatewayTraffic(query: StatsQuery, db: StatsDb = defaultStatsDb, now = new Date()): Promise<GatewayTraffic> {
  const w = resolveQueryWindow(query, now);
  // A window's rows run up to now; a range's up to its end rounded up to the minute.
  const rateEnd = w.minuteEnd && w.minuteEnd < now ? w.minuteEnd : now;
  const recentStart = new Date(Math.floor((rateEnd.getTime() - GATEWAY_RATE_MINUTES * 60_000) / 60_000) * 60_000);
  // Retries per counter row, not attempts − requests overall: a row of requests answered without any
  // attempt (no_healthy_node) would cancel other rows' retries and could make the total negative.
  const rows = await db.$queryRaw<Array<{ finalClass: string; origin: string; requests: bigint; attempts: bigint; retries: bigint; recent: bigint }>>`
    SELECT g."finalClass", g."origin", sum(g."requests")::bigint AS requests, sum(g."attempts")::bigint AS attempts,
           sum(greatest(g."attempts" - g."requests", 0))::bigint AS retries,
           coalesce(sum(g."requests") FILTER (WHERE g."minute" >= ${sqlInstant(recentStart)}::timestamptz), 0)::bigint AS recent
    FROM "GatewayTrafficMinute" g
    WHERE g."minute" >= ${sqlInstant(w.minuteStart)}::timestamptz AND g."minute" <= ${sqlInstant(now)}::timestamptz
      AND (${sqlInstant(w.minuteEnd)}::timestamptz IS NULL OR g."minute" < ${sqlInstant(w.minuteEnd)}::timestamptz)
      AND (${query.poolId ?? null}::uuid IS NULL OR g."poolId" = ${query.poolId ?? null}::uuid)
    GROUP BY 1, 2`;
  let requests = 0;
  let attempts = 0;
  let retries = 0;
  let recent = 0;
  const failuresByClass: GatewayFailureRow[] = [];
  for (const row of rows) {
    requests += Number(row.requests);
    attempts += Number(row.attempts);
    retries += Number(row.retries);
    recent += Number(row.recent);
    if (row.finalClass !== "ok") failuresByClass.push({ finalClass: row.finalClass, origin: row.origin, requests: Number(row.requests) });
  }
  failuresByClass.sort((a, b) => b.requests - a.requests || a.finalClass.localeCompare(b.finalClass));
  const recentSeconds = Math.max(1, (rateEnd.getTime() - recentStart.getTime()) / 1000);
  return {
    requests,
    attempts,
    retries,
    failures: failuresByClass.reduce((n, r) => n + r.requests, 0),
    requestsPerSecond: recent / recentSeconds,
    rateMinutes: GATEWAY_RATE_MINUTES,
    failuresByClass,
  };
}
