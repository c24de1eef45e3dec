-- AlterTable
ALTER TABLE "ProxyNode" ADD COLUMN     "rotationUrl" TEXT;

-- CreateTable
CREATE TABLE "StatsRollupMinute" (
    "poolKey" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "targetId" UUID NOT NULL,
    "faultClass" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "totalMsSum" DOUBLE PRECISION NOT NULL,
    "hist" INTEGER[],

    CONSTRAINT "StatsRollupMinute_pkey" PRIMARY KEY ("poolKey","minute","targetId","faultClass")
);

-- CreateTable
CREATE TABLE "StatsRollupNode" (
    "grainMinutes" SMALLINT NOT NULL,
    "bucketStart" TIMESTAMPTZ(0) NOT NULL,
    "nodeId" UUID NOT NULL,
    "faultClass" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "totalMsSum" DOUBLE PRECISION NOT NULL,
    "hist" INTEGER[],

    CONSTRAINT "StatsRollupNode_pkey" PRIMARY KEY ("grainMinutes","bucketStart","nodeId","faultClass")
);

-- CreateTable
CREATE TABLE "PoolHealthPolicy" (
    "poolId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "windowMinutes" INTEGER NOT NULL DEFAULT 5,
    "minSamples" INTEGER NOT NULL DEFAULT 10,
    "max502504Rate" DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    "maxConsecutiveFailures" INTEGER NOT NULL DEFAULT 5,
    "readmitAfterSuccesses" INTEGER NOT NULL DEFAULT 3,
    "backoffBaseSeconds" INTEGER NOT NULL DEFAULT 30,
    "backoffMaxSeconds" INTEGER NOT NULL DEFAULT 1800,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PoolHealthPolicy_pkey" PRIMARY KEY ("poolId")
);

-- CreateTable
CREATE TABLE "NodeHealth" (
    "nodeId" UUID NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'healthy',
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "changedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextCheckAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastResultId" BIGINT NOT NULL DEFAULT 0,
    "consecutiveOk" INTEGER NOT NULL DEFAULT 0,
    "consecutiveFail" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NodeHealth_pkey" PRIMARY KEY ("nodeId")
);

-- CreateIndex
CREATE INDEX "StatsRollupMinute_minute_idx" ON "StatsRollupMinute"("minute");

-- CreateIndex
CREATE INDEX "StatsRollupNode_nodeId_grainMinutes_bucketStart_idx" ON "StatsRollupNode"("nodeId", "grainMinutes", "bucketStart");

-- CreateIndex
CREATE INDEX "NodeHealth_state_nextCheckAt_idx" ON "NodeHealth"("state", "nextCheckAt");

-- AddForeignKey
ALTER TABLE "NodeHealth" ADD CONSTRAINT "NodeHealth_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

