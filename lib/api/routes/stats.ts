import { z } from "zod";
import { resultCounts } from "@/lib/stats/result-counts";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import { defineRoute } from "../api-route";
import { assertNodeAccess } from "../access";

/**
 * Counts by bucket and origin over a window, from lib/stats (the same rollups and the same query
 * as the overview and the node page, plus the raw rows past the rollup watermark).
 */
export const statsRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/stats",
    operationId: "getStats",
    summary: "Result counts by bucket (ok/502/504/other_failure) and by who was to blame (faultOrigin: proxy/network/target/unknown), probes and caller reports together",
    tag: "stats",
    scope: "read",
    query: z
      .object({ window: z.enum(["15m", "1h", "24h", "7d"]).default("1h"), poolId: z.uuid().optional(), nodeId: z.uuid().optional(), targetId: z.uuid().optional() })
      .strict(),
    response: z.object({
      window: z.string(),
      since: z.string(),
      total: z.int(),
      byBucket: z.object({ ok: z.int(), "502": z.int(), "504": z.int(), other_failure: z.int() }),
      byOrigin: z.object({ none: z.int(), proxy: z.int(), network: z.int(), target: z.int(), unknown: z.int() }).describe("Counts by faultOrigin: who was to blame"),
      byFaultClass: z.record(z.string(), z.int()),
    }),
    errors: ["unprocessable_entity", "not_found"],
  },
  async ({ actor, query }) => {
    if (query.poolId) assertPoolAccess(actor, query.poolId);
    if (query.nodeId) await assertNodeAccess(actor, query.nodeId);
    return resultCounts({ ...query, poolId: actor.poolId ?? query.poolId });
  },
);
