-- Two answers per attempt (issue 10): who produced what we saw (responder) and who is to blame
-- (faultOrigin, the former "origin"), each with the kind of evidence that decided it.
ALTER TABLE "ProbeResult" RENAME COLUMN "origin" TO "faultOrigin";
ALTER TABLE "ProbeResult" ADD COLUMN "responder" TEXT NOT NULL DEFAULT 'unknown',
  ADD COLUMN "responderEvidence" TEXT NOT NULL DEFAULT 'none',
  ADD COLUMN "originEvidence" TEXT NOT NULL DEFAULT 'none';

-- Stored rows: the responder their class implies, their stored origin kept, evidence "migrated".
UPDATE "ProbeResult" SET
  "responder" = CASE
    WHEN "faultClass" IN ('proxy_auth', 'tunnel_failed', 'proxy_502', 'proxy_504') THEN 'proxy'
    WHEN "faultClass" IN ('proxy_unreachable', 'tls_error', 'upstream_timeout', 'reset') THEN 'none'
    WHEN "faultClass" IN ('ok', 'blocked', 'target_4xx') THEN 'target'
    ELSE 'unknown' END,
  "responderEvidence" = 'migrated',
  "originEvidence" = 'migrated';

-- Rollups get the origin dimension (a class no longer implies who is to blame). Existing rollup
-- rows take the origin their class had until now.
ALTER TABLE "StatsRollupMinute" ADD COLUMN "faultOrigin" TEXT;
ALTER TABLE "StatsRollupNode" ADD COLUMN "faultOrigin" TEXT;
ALTER TABLE "ProbeRollupTargetMinute" ADD COLUMN "faultOrigin" TEXT;
ALTER TABLE "ProbeRollupNodeHour" ADD COLUMN "faultOrigin" TEXT;
UPDATE "StatsRollupMinute" SET "faultOrigin" = CASE
    WHEN "faultClass" = 'ok' THEN 'none'
    WHEN "faultClass" IN ('proxy_auth', 'tunnel_failed', 'proxy_502', 'proxy_504') THEN 'proxy'
    WHEN "faultClass" IN ('proxy_unreachable', 'tls_error', 'upstream_timeout', 'invalid_response', 'reset') THEN 'network'
    WHEN "faultClass" IN ('target_502', 'target_504', 'target_5xx', 'blocked', 'target_4xx') THEN 'target'
    ELSE 'unknown' END;
UPDATE "StatsRollupNode" SET "faultOrigin" = CASE
    WHEN "faultClass" = 'ok' THEN 'none'
    WHEN "faultClass" IN ('proxy_auth', 'tunnel_failed', 'proxy_502', 'proxy_504') THEN 'proxy'
    WHEN "faultClass" IN ('proxy_unreachable', 'tls_error', 'upstream_timeout', 'invalid_response', 'reset') THEN 'network'
    WHEN "faultClass" IN ('target_502', 'target_504', 'target_5xx', 'blocked', 'target_4xx') THEN 'target'
    ELSE 'unknown' END;
UPDATE "ProbeRollupTargetMinute" SET "faultOrigin" = CASE
    WHEN "faultClass" = 'ok' THEN 'none'
    WHEN "faultClass" IN ('proxy_auth', 'tunnel_failed', 'proxy_502', 'proxy_504') THEN 'proxy'
    WHEN "faultClass" IN ('proxy_unreachable', 'tls_error', 'upstream_timeout', 'invalid_response', 'reset') THEN 'network'
    WHEN "faultClass" IN ('target_502', 'target_504', 'target_5xx', 'blocked', 'target_4xx') THEN 'target'
    ELSE 'unknown' END;
UPDATE "ProbeRollupNodeHour" SET "faultOrigin" = CASE
    WHEN "faultClass" = 'ok' THEN 'none'
    WHEN "faultClass" IN ('proxy_auth', 'tunnel_failed', 'proxy_502', 'proxy_504') THEN 'proxy'
    WHEN "faultClass" IN ('proxy_unreachable', 'tls_error', 'upstream_timeout', 'invalid_response', 'reset') THEN 'network'
    WHEN "faultClass" IN ('target_502', 'target_504', 'target_5xx', 'blocked', 'target_4xx') THEN 'target'
    ELSE 'unknown' END;
ALTER TABLE "StatsRollupMinute" ALTER COLUMN "faultOrigin" SET NOT NULL,
  DROP CONSTRAINT "StatsRollupMinute_pkey", ADD CONSTRAINT "StatsRollupMinute_pkey" PRIMARY KEY ("poolKey", "minute", "targetId", "faultClass", "faultOrigin");
ALTER TABLE "StatsRollupNode" ALTER COLUMN "faultOrigin" SET NOT NULL,
  DROP CONSTRAINT "StatsRollupNode_pkey", ADD CONSTRAINT "StatsRollupNode_pkey" PRIMARY KEY ("grainMinutes", "bucketStart", "nodeId", "faultClass", "faultOrigin");
ALTER TABLE "ProbeRollupTargetMinute" ALTER COLUMN "faultOrigin" SET NOT NULL,
  DROP CONSTRAINT "ProbeRollupTargetMinute_pkey", ADD CONSTRAINT "ProbeRollupTargetMinute_pkey" PRIMARY KEY ("targetId", "minute", "faultClass", "faultOrigin");
ALTER TABLE "ProbeRollupNodeHour" ALTER COLUMN "faultOrigin" SET NOT NULL,
  DROP CONSTRAINT "ProbeRollupNodeHour_pkey", ADD CONSTRAINT "ProbeRollupNodeHour_pkey" PRIMARY KEY ("nodeId", "targetId", "hour", "faultClass", "faultOrigin");
