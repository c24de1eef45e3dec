import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { figuresFromClassRows, type ClassCountRow, type ClassFigures } from "./class-figures";
import { histFromIndexSql, histIndexSql, histSumSql } from "./latency-histogram";
import { ALL_POOLS_KEY, resolveQueryWindow, sqlInstant, type StatsQuery } from "./windows";
import { rawTailBounds } from "./raw-tail";

export interface Overview extends ClassFigures {
  window: StatsQuery["window"];
  poolId: string | null;
  from: string;
  to: string;
  /** How far the rollups reach; newer results are read raw. */
  rolledUpTo: string | null;
}

/**
 * KPIs for a window (and optionally a pool and a target): rollup minutes (StatsRollupMinute) plus raw rows at or
 * after the "stats" watermark, read in one statement (one snapshot, so nothing is counted twice).
 */
export async function statsOverview(query: StatsQuery & { targetId?: string }, db: StatsDb = defaultStatsDb, now = new Date()): Promise<Overview> {
  const w = resolveQueryWindow(query, now);
  const rows = await statsOverviewRows(query, db, now);
  return {
    window: query.window,
    poolId: query.poolId ?? null,
    from: w.start.toISOString(),
    to: (w.end ?? w.now).toISOString(),
    rolledUpTo: rows[0]?.mark?.toISOString() ?? null,
    ...figuresFromClassRows(rows),
  };
}

/** The overview's one statement: counts per class and origin (+ latency) — /api/v1/stats reads it too. */
export async function statsOverviewRows(query: Pick<StatsQuery, "window" | "poolId"> & Partial<Pick<StatsQuery, "from" | "to">> & { targetId?: string }, db: StatsDb = defaultStatsDb, now = new Date()) {
  const w = resolveQueryWindow(query, now);
  const poolId = query.poolId ?? null;
  const targetId = query.targetId ?? null;
  const tail = await rawTailBounds(w, db);
  return db.$queryRaw<Array<ClassCountRow & { faultOrigin: string; mark: Date | null }>>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    parts AS (
      SELECT s."faultClass", s."faultOrigin", sum(s."count")::bigint AS n, sum(s."totalMsSum") AS ms, ${histSumSql('s."hist"')} AS hist
      FROM "StatsRollupMinute" s
      WHERE s."poolKey" = coalesce(${poolId}::uuid, ${ALL_POOLS_KEY}::uuid) AND s."minute" >= ${sqlInstant(w.minuteStart)}::timestamptz
        AND (${sqlInstant(w.minuteEnd)}::timestamptz IS NULL OR s."minute" < ${sqlInstant(w.minuteEnd)}::timestamptz)
        AND (${targetId}::uuid IS NULL OR s."targetId" = ${targetId}::uuid)
      GROUP BY 1, 2
      UNION ALL
      SELECT r."faultClass", r."faultOrigin", count(*)::bigint, sum(r."totalMs"), ${histFromIndexSql("r.idx")}::int8[]
      FROM (SELECT p."faultClass", p."faultOrigin", p."totalMs", ${histIndexSql('p."totalMs"')} AS idx
            FROM "ProbeResult" p, w
            WHERE p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
              AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz)
              AND (${targetId}::uuid IS NULL OR p."targetId" = ${targetId}::uuid)
              AND (${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = p."nodeId" AND m."poolId" = ${poolId}::uuid))) r
      GROUP BY 1, 2
    )
    SELECT parts."faultClass", parts."faultOrigin", sum(parts.n)::bigint AS n, sum(parts.ms) AS ms, ${histSumSql("parts.hist")} AS hist, (SELECT mark FROM w) AS mark
    FROM parts GROUP BY 1, 2`;
}
