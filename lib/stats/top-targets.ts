import { CLASSES_502, CLASSES_504 } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, type StatsDb } from "./db";
import { windowSlices } from "./window-slices";
import { resolveQueryWindow, type StatsQuery } from "./windows";

export interface OffenderRow {
  id: string;
  name: string;
  requests: number;
  failures: number;
  count502: number;
  count504: number;
  failureRate: number;
}

/** Targets with the most failed results in the window (StatsRollupMinute + raw rows past the watermark). */
export async function topOffendingTargets(query: StatsQuery, limit = 10, db: StatsDb = defaultStatsDb, now = new Date()): Promise<OffenderRow[]> {
  const w = resolveQueryWindow(query, now);
  const slice = await windowSlices(w, { poolId: query.poolId ?? null }, db);
  const rows = await db.$queryRaw<Array<{ id: string; url: string; name: string; requests: bigint; failures: bigint; c502: bigint; c504: bigint }>>`
    WITH ${slice.watermark},
    parts AS (
      SELECT s."targetId", s."faultClass", sum(s."count")::bigint AS n
      FROM "StatsRollupMinute" s
      WHERE ${slice.rollup}
      GROUP BY 1, 2
      UNION ALL
      SELECT p."targetId", p."faultClass", count(*)::bigint
      FROM "ProbeResult" p, w
      WHERE ${slice.raw}
      GROUP BY 1, 2
    ), agg AS (
      SELECT "targetId", sum(n)::bigint AS requests,
             coalesce(sum(n) FILTER (WHERE "faultClass" <> 'ok'), 0)::bigint AS failures,
             coalesce(sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_502}::text[])), 0)::bigint AS c502,
             coalesce(sum(n) FILTER (WHERE "faultClass" = ANY(${CLASSES_504}::text[])), 0)::bigint AS c504
      FROM parts GROUP BY 1
    )
    SELECT t."id", t."url", t."name", agg.requests, agg.failures, agg.c502, agg.c504
    FROM agg JOIN "ProbeTarget" t ON t."id" = agg."targetId"
    WHERE agg.failures > 0
    ORDER BY agg.failures DESC, t."url" LIMIT ${limit}`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name || r.url,
    requests: Number(r.requests),
    failures: Number(r.failures),
    count502: Number(r.c502),
    count504: Number(r.c504),
    failureRate: Number(r.failures) / Math.max(1, Number(r.requests)),
  }));
}
