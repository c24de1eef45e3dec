import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";

/** Rows stamped up to this far past `now` still count in a live window (another instance's clock may run ahead). */
export const RAW_TAIL_CLOCK_SKEW_MS = 60_000;

/** Constant bounds of a raw-tail read, ISO text (read the same in any session time zone). */
export interface RawTailBounds {
  from: string;
  until: string;
}

/** The "stats" rollup watermark: the rollups hold every result before it (null before the first rollup). */
export async function statsWatermark(db: StatsDb = defaultStatsDb): Promise<Date | null> {
  // Epoch milliseconds, not a timestamptz: the driver misreads those in a session that is not in UTC.
  const [row] = await db.$queryRaw<{ ms: number }[]>`
    SELECT extract(epoch FROM "rolledUpTo")::float8 * 1000 AS ms FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}`;
  return row ? new Date(row.ms) : null;
}

/**
 * Where a query's raw tail lies, as constants the planner prunes ProbeResult's partitions with:
 * from the watermark read just now (or the window's start, if later) to the window's end (a live
 * window: now plus the clock skew). The query still reads the watermark itself and keeps
 * `startedAt >= greatest(watermark, start)`, so rollup rows and raw rows come from one snapshot and
 * nothing is counted twice; the watermark only moves forward, so the constant `from` never cuts a
 * row that statement would count. Without constants (a watermark read inside the statement) the
 * plan holds every partition, locks them all and makes retention's DROP wait (lib/probe/result-retention.ts).
 */
export async function rawTailBounds(window: { start: Date; end: Date | null; now: Date }, db: StatsDb = defaultStatsDb): Promise<RawTailBounds> {
  const mark = await statsWatermark(db);
  const from = mark && mark > window.start ? mark : window.start;
  const until = window.end ?? new Date(window.now.getTime() + RAW_TAIL_CLOCK_SKEW_MS);
  return { from: from.toISOString(), until: until.toISOString() };
}
