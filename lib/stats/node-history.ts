import { defaultStatsDb, STATS_WATERMARK, type StatsDb } from "./db";
import { seriesFromRows, type TimeSeries } from "./time-series";
import { resolveWindow, sqlInstant, type StatsWindow } from "./windows";
import { rawTailBounds } from "./raw-tail";

/** One node's results per node-grain bucket and class (StatsRollupNode + raw rows past the watermark). */
export async function nodeHistory(nodeId: string, window: StatsWindow, db: StatsDb = defaultStatsDb, now = new Date()): Promise<TimeSeries> {
  const w = resolveWindow(window, now);
  const step = w.nodeGrainMinutes * 60;
  const tail = await rawTailBounds(w, db);
  // Buckets come back as epoch seconds, not timestamps (see statsTimeSeries).
  const rows = await db.$queryRaw<Array<{ t: bigint; faultClass: string; n: bigint }>>`
    WITH w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark),
    parts AS (
      SELECT extract(epoch FROM s."bucketStart")::bigint AS t, s."faultClass", s."count"::bigint AS n
      FROM "StatsRollupNode" s
      WHERE s."nodeId" = ${nodeId}::uuid AND s."grainMinutes" = ${w.nodeGrainMinutes} AND s."bucketStart" >= ${sqlInstant(w.nodeBucketStart)}::timestamptz
      UNION ALL
      SELECT (floor(extract(epoch FROM p."startedAt") / ${step}) * ${step})::bigint, p."faultClass", count(*)::bigint
      FROM "ProbeResult" p, w
      WHERE p."nodeId" = ${nodeId}::uuid AND p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
      GROUP BY 1, 2
    )
    SELECT t, "faultClass", sum(n)::bigint AS n FROM parts GROUP BY 1, 2 ORDER BY 1`;
  const dated = rows.map((row) => ({ ...row, t: new Date(Number(row.t) * 1000) }));
  return seriesFromRows(dated, step, w.nodeBucketStart.getTime(), now.getTime());
}

export interface ExitIpChange {
  exitIp: string;
  firstSeen: string;
  lastSeen: string;
  results: number;
}

/** Runs of the same exit IP in the node's raw results (newest first), within raw retention. */
export async function exitIpHistory(nodeId: string, db: StatsDb = defaultStatsDb, limit = 20): Promise<ExitIpChange[]> {
  const rows = await db.$queryRaw<Array<{ exitIp: string; firstSeen: Date; lastSeen: Date; n: bigint }>>`
    WITH seq AS (
      SELECT p."exitIp", p."startedAt",
             row_number() OVER (ORDER BY p."startedAt") - row_number() OVER (PARTITION BY p."exitIp" ORDER BY p."startedAt") AS run
      FROM "ProbeResult" p WHERE p."nodeId" = ${nodeId}::uuid AND p."exitIp" IS NOT NULL
    )
    SELECT "exitIp", min("startedAt") AS "firstSeen", max("startedAt") AS "lastSeen", count(*)::bigint AS n
    FROM seq GROUP BY "exitIp", run ORDER BY max("startedAt") DESC LIMIT ${limit}`;
  return rows.map((r) => ({ exitIp: r.exitIp, firstSeen: r.firstSeen.toISOString(), lastSeen: r.lastSeen.toISOString(), results: Number(r.n) }));
}
