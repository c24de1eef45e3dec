import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import { defineRoute } from "../api-route";
import { assertNodeAccess } from "../access";

const WINDOWS = { "15m": 15 * 60, "1h": 3600, "24h": 86_400, "7d": 7 * 86_400 } as const;
const BUCKETS = ["ok", "502", "504", "other_failure"] as const;
const ORIGINS = ["none", "proxy", "network", "target", "unknown"] as const;

/**
 * Counts by bucket and by who was to blame (faultOrigin) over a window. Rolled-up rows cover [since, watermark) — the
 * target×minute rollup when no node/pool filter is given, else node×target×hour (hour
 * granularity at the window's start) — and raw ProbeResult rows cover [max(since, watermark), now).
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
    const poolId = actor.poolId ?? query.poolId ?? null;
    if (query.poolId) assertPoolAccess(actor, query.poolId);
    if (query.nodeId) await assertNodeAccess(actor, query.nodeId);
    const since = new Date(Date.now() - WINDOWS[query.window] * 1000);
    const nodeId = query.nodeId ?? null;
    const targetId = query.targetId ?? null;
    const perNode = nodeId !== null || poolId !== null;
    const rows = await prisma.$queryRaw<{ faultClass: string; faultOrigin: string; n: bigint }[]>`
      WITH mark AS (SELECT coalesce((SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = 'probe-results'), '-infinity'::timestamptz) AS t),
      nodes AS (SELECT "nodeId" FROM "PoolMembership" WHERE "poolId" = ${poolId}::uuid)
      SELECT "faultClass", "faultOrigin", sum(n)::bigint AS n FROM (
        SELECT r."faultClass", r."faultOrigin", count(*) AS n FROM "ProbeResult" r, mark
        WHERE r."startedAt" >= greatest(${since}::timestamptz, mark.t)
          AND (${nodeId}::uuid IS NULL OR r."nodeId" = ${nodeId}::uuid)
          AND (${targetId}::uuid IS NULL OR r."targetId" = ${targetId}::uuid)
          AND (${poolId}::uuid IS NULL OR r."nodeId" IN (SELECT "nodeId" FROM nodes))
        GROUP BY 1, 2
        UNION ALL
        SELECT m."faultClass", m."faultOrigin", sum(m."count") FROM "ProbeRollupTargetMinute" m, mark
        WHERE NOT ${perNode} AND m."minute" >= ${since}::timestamptz AND m."minute" < mark.t
          AND (${targetId}::uuid IS NULL OR m."targetId" = ${targetId}::uuid)
        GROUP BY 1, 2
        UNION ALL
        SELECT h."faultClass", h."faultOrigin", sum(h."count") FROM "ProbeRollupNodeHour" h, mark
        WHERE ${perNode} AND h."hour" >= date_trunc('hour', ${since}::timestamptz) AND h."hour" < mark.t
          AND (${nodeId}::uuid IS NULL OR h."nodeId" = ${nodeId}::uuid)
          AND (${targetId}::uuid IS NULL OR h."targetId" = ${targetId}::uuid)
          AND (${poolId}::uuid IS NULL OR h."nodeId" IN (SELECT "nodeId" FROM nodes))
        GROUP BY 1, 2
      ) parts GROUP BY 1, 2`;
    const byBucket = Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<(typeof BUCKETS)[number], number>;
    const byOrigin = Object.fromEntries(ORIGINS.map((o) => [o, 0])) as Record<(typeof ORIGINS)[number], number>;
    const byFaultClass: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      const entry = FAULT_CLASSES[row.faultClass as FaultClass];
      const n = Number(row.n);
      if (!entry || n === 0) continue;
      total += n;
      byBucket[entry.bucket] += n;
      const origin = (ORIGINS as readonly string[]).includes(row.faultOrigin) ? (row.faultOrigin as (typeof ORIGINS)[number]) : "unknown";
      byOrigin[origin] += n;
      byFaultClass[row.faultClass] = (byFaultClass[row.faultClass] ?? 0) + n;
    }
    return { window: query.window, since: since.toISOString(), total, byBucket, byOrigin, byFaultClass };
  },
);
