-- Forward-proxy gateway (lib/proxy-gateway): per-pool retry settings and per-minute traffic.

CREATE TABLE "PoolProxyGatewaySettings" (
    "poolId" UUID NOT NULL,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "deadlineMs" INTEGER NOT NULL DEFAULT 30000,
    "connectTimeoutMs" INTEGER NOT NULL DEFAULT 3000,
    "firstByteTimeoutMs" INTEGER NOT NULL DEFAULT 10000,
    "retryTargetFailures" BOOLEAN NOT NULL DEFAULT false,
    "retryNonIdempotent" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PoolProxyGatewaySettings_pkey" PRIMARY KEY ("poolId"),
    CONSTRAINT "PoolProxyGatewaySettings_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE,
    CONSTRAINT "PoolProxyGatewaySettings_ranges" CHECK ("maxAttempts" BETWEEN 1 AND 10 AND "deadlineMs" BETWEEN 100 AND 300000
      AND "connectTimeoutMs" BETWEEN 100 AND 60000 AND "firstByteTimeoutMs" BETWEEN 100 AND 120000)
);

-- The gateway index rebuilds (and the proxy gateway re-reads these settings) on change.
CREATE TRIGGER "PoolProxyGatewaySettings_gateway_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "PoolProxyGatewaySettings"
  FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();

CREATE TABLE "GatewayTrafficMinute" (
    "poolId" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "finalClass" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL,

    CONSTRAINT "GatewayTrafficMinute_pkey" PRIMARY KEY ("poolId","minute","finalClass")
);

CREATE INDEX "GatewayTrafficMinute_minute_idx" ON "GatewayTrafficMinute"("minute");
