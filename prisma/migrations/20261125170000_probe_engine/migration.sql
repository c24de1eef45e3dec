-- CreateTable
CREATE TABLE "ProbeTarget" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "expectedStatus" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProbeTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProbeResult" (
    "id" BIGSERIAL NOT NULL,
    "nodeId" UUID NOT NULL,
    "targetId" UUID NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "connectMs" REAL,
    "tlsMs" REAL,
    "firstByteMs" REAL,
    "totalMs" REAL NOT NULL,
    "status" INTEGER,
    "bytes" INTEGER NOT NULL DEFAULT 0,
    "exitIp" TEXT,
    "faultClass" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "errorDetail" TEXT,
    "source" TEXT NOT NULL DEFAULT 'probe',

    CONSTRAINT "ProbeResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProbeRollupTargetMinute" (
    "targetId" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "faultClass" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "totalMsSum" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "ProbeRollupTargetMinute_pkey" PRIMARY KEY ("targetId","minute","faultClass")
);

-- CreateTable
CREATE TABLE "ProbeRollupNodeHour" (
    "nodeId" UUID NOT NULL,
    "targetId" UUID NOT NULL,
    "hour" TIMESTAMPTZ(0) NOT NULL,
    "faultClass" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "totalMsSum" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "ProbeRollupNodeHour_pkey" PRIMARY KEY ("nodeId","targetId","hour","faultClass")
);

-- CreateTable
CREATE TABLE "ProbeRollupWatermark" (
    "name" TEXT NOT NULL,
    "rolledUpTo" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ProbeRollupWatermark_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "PoolProbeSettings" (
    "poolId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "intervalSeconds" INTEGER NOT NULL DEFAULT 60,
    "connectTimeoutMs" INTEGER NOT NULL DEFAULT 3000,
    "firstByteTimeoutMs" INTEGER NOT NULL DEFAULT 10000,
    "totalTimeoutMs" INTEGER NOT NULL DEFAULT 15000,
    "targetIds" UUID[] DEFAULT ARRAY[]::UUID[],
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PoolProbeSettings_pkey" PRIMARY KEY ("poolId")
);

-- CreateTable
CREATE TABLE "NodeProbeLease" (
    "nodeId" UUID NOT NULL,
    "nextProbeAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseUntil" TIMESTAMPTZ(3),
    "leaseOwner" TEXT,

    CONSTRAINT "NodeProbeLease_pkey" PRIMARY KEY ("nodeId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ProbeTarget_url_key" ON "ProbeTarget"("url");

-- CreateIndex
CREATE INDEX "ProbeResult_startedAt_idx" ON "ProbeResult"("startedAt");

-- CreateIndex
CREATE INDEX "ProbeResult_nodeId_startedAt_idx" ON "ProbeResult"("nodeId", "startedAt");

-- CreateIndex
CREATE INDEX "ProbeRollupTargetMinute_minute_idx" ON "ProbeRollupTargetMinute"("minute");

-- CreateIndex
CREATE INDEX "ProbeRollupNodeHour_hour_idx" ON "ProbeRollupNodeHour"("hour");

-- CreateIndex
CREATE INDEX "NodeProbeLease_nextProbeAt_idx" ON "NodeProbeLease"("nextProbeAt");

-- AddForeignKey
ALTER TABLE "ProbeResult" ADD CONSTRAINT "ProbeResult_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProbeResult" ADD CONSTRAINT "ProbeResult_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "ProbeTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PoolProbeSettings" ADD CONSTRAINT "PoolProbeSettings_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "Pool"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeProbeLease" ADD CONSTRAINT "NodeProbeLease_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

