import type { FaultClass } from "@/lib/probe/fault-taxonomy";
import { defaultStatsDb, type StatsDb } from "./db";
import { windowSlices } from "./window-slices";
import { resolveQueryWindow, type StatsQuery } from "./windows";

export interface SeriesPoint {
  /** Bucket start, ISO. */
  t: string;
  total: number;
  counts: Partial<Record<FaultClass, number>>;
}

export interface TimeSeries {
  stepSeconds: number;
  classes: FaultClass[];
  points: SeriesPoint[];
}

/**
 * Results per time step and class for the stacked chart. Steps are fixed-width epoch buckets
 * (floor(epoch / step) * step, step from the whitelisted window), so they do not move with the
 * time zone; empty steps are filled in so the x axis is even.
 */
export async function statsTimeSeries(query: StatsQuery, db: StatsDb = defaultStatsDb, now = new Date()): Promise<TimeSeries> {
  const w = resolveQueryWindow(query, now);
  const poolId = query.poolId ?? null;
  const step = w.stepSeconds;
  const slice = await windowSlices(w, { poolId }, db);
  // Steps come back as epoch seconds, not timestamps: a timestamptz read in a non-UTC session is misread by the driver.
  const rows = await db.$queryRaw<Array<{ t: bigint; faultClass: string; n: bigint }>>`
    WITH ${slice.watermark},
    parts AS (
      SELECT (floor(extract(epoch FROM s."minute") / ${step}) * ${step})::bigint AS t, s."faultClass", sum(s."count")::bigint AS n
      FROM "StatsRollupMinute" s
      WHERE ${slice.rollup}
      GROUP BY 1, 2
      UNION ALL
      SELECT (floor(extract(epoch FROM p."startedAt") / ${step}) * ${step})::bigint, p."faultClass", count(*)::bigint
      FROM "ProbeResult" p, w
      WHERE ${slice.raw}
      GROUP BY 1, 2
    )
    SELECT t, "faultClass", sum(n)::bigint AS n FROM parts GROUP BY 1, 2 ORDER BY 1`;
  const stepMs = step * 1000;
  const dated = rows.map((row) => ({ ...row, t: new Date(Number(row.t) * 1000) }));
  // A range ends before its `to`; a window runs up to now.
  return seriesFromRows(dated, step, Math.floor(w.start.getTime() / stepMs) * stepMs, w.end ? w.end.getTime() - 1 : w.now.getTime());
}

/**
 * Class counts per bucket → the chart's series: every step from `first` to `last` is present
 * (empty ones with zero), so a quiet stretch shows as a gap at zero rather than a missing bar.
 */
export function seriesFromRows(rows: Array<{ t: Date; faultClass: string; n: bigint }>, stepSeconds: number, first: number, last: number): TimeSeries {
  const stepMs = stepSeconds * 1000;
  const points = new Map<number, SeriesPoint>();
  for (let t = first; t <= last; t += stepMs) points.set(t, { t: new Date(t).toISOString(), total: 0, counts: {} });
  const classes = new Set<FaultClass>();
  for (const row of rows) {
    const key = row.t.getTime();
    let point = points.get(key);
    if (!point) points.set(key, (point = { t: row.t.toISOString(), total: 0, counts: {} }));
    const cls = row.faultClass as FaultClass;
    const n = Number(row.n);
    point.counts[cls] = (point.counts[cls] ?? 0) + n;
    point.total += n;
    classes.add(cls);
  }
  return { stepSeconds, classes: [...classes].sort(), points: [...points.values()].sort((a, b) => a.t.localeCompare(b.t)) };
}
