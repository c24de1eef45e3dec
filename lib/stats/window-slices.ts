import { Prisma } from "@/generated/prisma/client";
import { STATS_WATERMARK, type StatsDb } from "./db";
import { rawTailBounds } from "./raw-tail";
import { ALL_POOLS_KEY, sqlInstant, type ResolvedWindow } from "./windows";

/**
 * The two slices a window's figures are read from in one statement (one snapshot, nothing counted
 * twice): the rollup minutes of the window (`rollup`, over "StatsRollupMinute" s) and the raw rows
 * past the "stats" watermark (`raw`, over "ProbeResult" p joined with `watermark`'s CTE w). The
 * overview, the chart's series and the top targets group them by their own keys.
 */
export interface WindowSlices {
  /** `w AS (… mark)`: the watermark, read inside the statement. */
  watermark: Prisma.Sql;
  /** WHERE clause for "StatsRollupMinute" s. */
  rollup: Prisma.Sql;
  /** WHERE clause for "ProbeResult" p (FROM "ProbeResult" p, w). */
  raw: Prisma.Sql;
}

export async function windowSlices(w: ResolvedWindow, scope: { poolId: string | null; targetId?: string | null }, db: StatsDb): Promise<WindowSlices> {
  // Constant raw-tail bounds as well, so the planner keeps only the tail's partitions (raw-tail.ts).
  const tail = await rawTailBounds(w, db);
  const { poolId } = scope;
  const targetId = scope.targetId ?? null;
  const rollupTarget = targetId ? Prisma.sql`AND s."targetId" = ${targetId}::uuid` : Prisma.empty;
  const rawTarget = targetId ? Prisma.sql`AND p."targetId" = ${targetId}::uuid` : Prisma.empty;
  return {
    watermark: Prisma.sql`w AS (SELECT (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" WHERE "name" = ${STATS_WATERMARK}) AS mark)`,
    rollup: Prisma.sql`s."poolKey" = coalesce(${poolId}::uuid, ${ALL_POOLS_KEY}::uuid) AND s."minute" >= ${sqlInstant(w.minuteStart)}::timestamptz
        AND (${sqlInstant(w.minuteEnd)}::timestamptz IS NULL OR s."minute" < ${sqlInstant(w.minuteEnd)}::timestamptz) ${rollupTarget}`,
    raw: Prisma.sql`p."startedAt" >= greatest(coalesce(w.mark, '-infinity'::timestamptz), ${sqlInstant(w.start)}::timestamptz)
        AND p."startedAt" >= ${tail.from}::timestamptz AND p."startedAt" < ${tail.until}::timestamptz
        AND (${sqlInstant(w.end)}::timestamptz IS NULL OR p."startedAt" < ${sqlInstant(w.end)}::timestamptz) ${rawTarget}
        AND (${poolId}::uuid IS NULL OR EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = p."nodeId" AND m."poolId" = ${poolId}::uuid))`,
  };
}
