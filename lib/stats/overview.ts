import { defaultStatsDb, type StatsDb } from "./db";
import { figuresFromClassRows, type ClassCountRow, type ClassFigures } from "./class-figures";
import { histFromIndexCountsSql, histIndexSql, histSumSql } from "./latency-histogram";
import { windowSlices } from "./window-slices";
import { resolveQueryWindow, type StatsQuery } from "./windows";

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
  const slice = await windowSlices(w, { poolId: query.poolId ?? null, targetId: query.targetId ?? null }, db);
  return db.$queryRaw<Array<ClassCountRow & { faultOrigin: string; mark: Date | null }>>`
    WITH ${slice.watermark},
    parts AS (
      SELECT s."faultClass", s."faultOrigin", sum(s."count")::bigint AS n, sum(s."totalMsSum") AS ms, ${histSumSql('s."hist"')} AS hist
      FROM "StatsRollupMinute" s
      WHERE ${slice.rollup}
      GROUP BY 1, 2
      UNION ALL
      SELECT r."faultClass", r."faultOrigin", sum(r.n)::bigint, sum(r.ms), ${histFromIndexCountsSql("r.idx", "r.n")}
      FROM (SELECT p."faultClass", p."faultOrigin", ${histIndexSql('p."totalMs"')} AS idx, count(*) AS n, sum(p."totalMs") AS ms
            FROM "ProbeResult" p, w
            WHERE ${slice.raw}
            GROUP BY 1, 2, 3) r
      GROUP BY 1, 2
    )
    SELECT parts."faultClass", parts."faultOrigin", sum(parts.n)::bigint AS n, sum(parts.ms) AS ms, ${histSumSql("parts.hist")} AS hist, (SELECT mark FROM w) AS mark
    FROM parts GROUP BY 1, 2`;
}
