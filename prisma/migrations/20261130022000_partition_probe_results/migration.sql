-- (No semicolons in these comments: the migration runner splits statements on them and runs each
-- on its own, outside one transaction.)
-- Issue 15: raw probe results become a table partitioned by range of "startedAt", so retention
-- drops whole partitions instead of deleting rows (lib/probe/result-partitions.ts creates them
-- ahead of time and drops expired ones). No row is copied: the existing table is attached as the
-- partition "ProbeResult_legacy" for everything before the moment of the migration, which costs
-- one primary-key index build and one scan of it (measured in README, Production). Its rows are
-- deleted in bounded batches by retention as before, and the whole partition is dropped once its
-- upper bound is older than the retention. Rows dated in the future (clock skew) move to the
-- default partition, which takes any row no range partition covers, so an insert never fails.
-- Stop every instance for this upgrade: an old one writing meanwhile would find no partition.
ALTER TABLE "ProbeResult" RENAME TO "ProbeResult_legacy";
ALTER TABLE "ProbeResult_legacy" DROP CONSTRAINT "ProbeResult_pkey";
ALTER INDEX "ProbeResult_startedAt_idx" RENAME TO "ProbeResult_legacy_startedAt_idx";
ALTER INDEX "ProbeResult_nodeId_startedAt_idx" RENAME TO "ProbeResult_legacy_nodeId_startedAt_idx";
ALTER TABLE "ProbeResult_legacy" RENAME CONSTRAINT "ProbeResult_nodeId_fkey" TO "ProbeResult_legacy_nodeId_fkey";
ALTER TABLE "ProbeResult_legacy" RENAME CONSTRAINT "ProbeResult_targetId_fkey" TO "ProbeResult_legacy_targetId_fkey";

-- The same columns, defaults (the id sequence too) and order as the table it replaces.
CREATE TABLE "ProbeResult" (LIKE "ProbeResult_legacy" INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("startedAt");
ALTER SEQUENCE "ProbeResult_id_seq" OWNED BY "ProbeResult"."id";
-- A partitioned table's primary key must contain the partition column.
ALTER TABLE "ProbeResult" ADD CONSTRAINT "ProbeResult_pkey" PRIMARY KEY ("id", "startedAt");
CREATE INDEX "ProbeResult_startedAt_idx" ON "ProbeResult"("startedAt");
CREATE INDEX "ProbeResult_nodeId_startedAt_idx" ON "ProbeResult"("nodeId", "startedAt");
-- Identical to the legacy table's keys, so attaching it reuses them instead of validating again.
ALTER TABLE "ProbeResult" ADD CONSTRAINT "ProbeResult_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ProbeResult" ADD CONSTRAINT "ProbeResult_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "ProbeTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Future-dated rows go to the default partition, moved by id (the bound, whole seconds, is computed
-- again when attaching and can only be later, so nothing is ever kept twice).
CREATE TABLE "ProbeResult_default" (LIKE "ProbeResult" INCLUDING DEFAULTS INCLUDING STORAGE);
INSERT INTO "ProbeResult_default" SELECT * FROM "ProbeResult_legacy"
WHERE "startedAt" >= to_timestamp(floor(extract(epoch FROM CURRENT_TIMESTAMP)));
DELETE FROM "ProbeResult_legacy" WHERE "id" IN (SELECT "id" FROM "ProbeResult_default");

ALTER TABLE "ProbeResult" ATTACH PARTITION "ProbeResult_legacy"
  FOR VALUES FROM (MINVALUE) TO (to_timestamp(floor(extract(epoch FROM CURRENT_TIMESTAMP))));
ALTER TABLE "ProbeResult" ATTACH PARTITION "ProbeResult_default" DEFAULT;
