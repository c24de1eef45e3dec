-- A pool without a saved automatic-health policy now follows the default, which is ON
-- (lib/health/schema.ts DEFAULT_HEALTH_POLICY: 5 node-caused failures in a row, or a node-caused
-- 502/504 rate of 50 % over 5 min with 10 results or more). Pools that exist already keep what they
-- had: a pool without a row had automatic health off, so it gets an explicit row saying off (with the
-- column defaults as its thresholds). Pools with a saved row are not touched.
INSERT INTO "PoolHealthPolicy" ("poolId", "enabled", "updatedAt")
SELECT p."id", false, now() FROM "Pool" p
WHERE NOT EXISTS (SELECT 1 FROM "PoolHealthPolicy" h WHERE h."poolId" = p."id");
