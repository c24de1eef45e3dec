-- (No semicolons in these comments: the migration runner splits statements on them.)
-- One statistics pipeline, issue 13. The probe engine rollups go: the target minute table duplicated
-- the all-pools rows of StatsRollupMinute, the node target hour table becomes StatsRollupNodeTarget,
-- folded by the stats rollup from now on.
DROP TABLE "ProbeRollupTargetMinute";

ALTER TABLE "ProbeRollupNodeHour" RENAME TO "StatsRollupNodeTarget";
ALTER TABLE "StatsRollupNodeTarget" RENAME CONSTRAINT "ProbeRollupNodeHour_pkey" TO "StatsRollupNodeTarget_pkey";
ALTER INDEX "ProbeRollupNodeHour_hour_idx" RENAME TO "StatsRollupNodeTarget_hour_idx";

-- Its rows were folded up to the old probe-results watermark, from now on it follows the stats
-- watermark. Re-align exactly: drop every hour from the older of the two watermarks on and fold those
-- hours again from the raw rows up to the stats watermark, as raw rows are kept until every watermark
-- has passed them. Without a stats watermark the table starts empty and the next rollup folds it all.
DELETE FROM "StatsRollupNodeTarget"
WHERE "hour" >= coalesce(
  (SELECT to_timestamp(floor(extract(epoch FROM min("rolledUpTo")) / 3600) * 3600) FROM "ProbeRollupWatermark"
   WHERE "name" IN ('stats', 'probe-results') AND EXISTS (SELECT 1 FROM "ProbeRollupWatermark" WHERE "name" = 'stats')),
  '-infinity'::timestamptz);

INSERT INTO "StatsRollupNodeTarget" ("nodeId", "targetId", "hour", "faultClass", "faultOrigin", "count", "totalMsSum")
SELECT p."nodeId", p."targetId", to_timestamp(floor(extract(epoch FROM p."startedAt") / 3600) * 3600), p."faultClass", p."faultOrigin", count(*), sum(p."totalMs")
FROM "ProbeResult" p,
     (SELECT to_timestamp(floor(extract(epoch FROM min("rolledUpTo")) / 3600) * 3600) AS "from",
             max("rolledUpTo") FILTER (WHERE "name" = 'stats') AS "to"
      FROM "ProbeRollupWatermark" WHERE "name" IN ('stats', 'probe-results')) w
WHERE p."startedAt" >= w."from" AND p."startedAt" < w."to"
GROUP BY 1, 2, 3, 4, 5;

DELETE FROM "ProbeRollupWatermark" WHERE "name" = 'probe-results';
