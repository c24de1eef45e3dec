-- CreateTable
CREATE TABLE "PoolGatewaySettings" (
    "poolId" UUID NOT NULL,
    "strategy" TEXT NOT NULL DEFAULT 'round_robin',
    "stickyTtlSeconds" INTEGER NOT NULL DEFAULT 600,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PoolGatewaySettings_pkey" PRIMARY KEY ("poolId")
);

-- CreateTable
CREATE TABLE "PoolNodeWeight" (
    "poolId" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "PoolNodeWeight_pkey" PRIMARY KEY ("poolId","nodeId")
);

-- CreateTable
CREATE TABLE "GatewayLease" (
    "id" UUID NOT NULL,
    "poolId" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "releasedAt" TIMESTAMPTZ(3),
    "result" JSONB,
    "reportedAt" TIMESTAMPTZ(3),

    CONSTRAINT "GatewayLease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GatewayNodeLease" (
    "nodeId" UUID NOT NULL,
    "leaseId" UUID NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "GatewayNodeLease_pkey" PRIMARY KEY ("nodeId")
);

-- CreateIndex
CREATE INDEX "PoolNodeWeight_nodeId_idx" ON "PoolNodeWeight"("nodeId");

-- CreateIndex
CREATE INDEX "GatewayLease_nodeId_idx" ON "GatewayLease"("nodeId");

-- CreateIndex
CREATE INDEX "GatewayLease_expiresAt_idx" ON "GatewayLease"("expiresAt");


-- Foreign keys kept out of the Prisma models (so Pool/ProxyNode stay untouched): rows go with
-- their pool or node.
ALTER TABLE "PoolGatewaySettings" ADD CONSTRAINT "PoolGatewaySettings_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PoolNodeWeight" ADD CONSTRAINT "PoolNodeWeight_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PoolNodeWeight" ADD CONSTRAINT "PoolNodeWeight_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GatewayLease" ADD CONSTRAINT "GatewayLease_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GatewayNodeLease" ADD CONSTRAINT "GatewayNodeLease_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The checkout gateway keeps an in-memory index of healthy nodes per pool (lib/gateway). Every
-- statement that changes what it serves notifies channel "switchyard_gateway" (payload: the table),
-- once per statement, so a 10,000-line import costs one notification. ApiKey changes (revocation)
-- make every gateway drop its key cache at once.
-- The migration runner splits statements on every semicolon, even inside quotes, so the body's
-- semicolons are written as the escape \073.
CREATE OR REPLACE FUNCTION switchyard_gateway_notify() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN PERFORM pg_notify(''switchyard_gateway'', TG_TABLE_NAME)\073 RETURN NULL\073 END';

CREATE TRIGGER "ProxyNode_gateway_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ProxyNode" FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();
CREATE TRIGGER "Pool_gateway_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Pool" FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();
CREATE TRIGGER "PoolMembership_gateway_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "PoolMembership" FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();
CREATE TRIGGER "PoolGatewaySettings_gateway_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "PoolGatewaySettings" FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();
CREATE TRIGGER "PoolNodeWeight_gateway_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "PoolNodeWeight" FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();
CREATE TRIGGER "ApiKey_gateway_notify" AFTER UPDATE OR DELETE ON "ApiKey" FOR EACH STATEMENT EXECUTE FUNCTION switchyard_gateway_notify();
