-- AlterTable
ALTER TABLE "PoolProbeSettings" ADD COLUMN     "maxBackoffSeconds" INTEGER NOT NULL DEFAULT 600;

-- AlterTable
ALTER TABLE "NodeProbeLease" ADD COLUMN     "claimedAt" TIMESTAMPTZ(3),
ADD COLUMN     "dueAt" TIMESTAMPTZ(3),
ADD COLUMN     "failStreak" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ProbeWorkerStatus" (
    "workerId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "heartbeatAt" TIMESTAMPTZ(3) NOT NULL,
    "inFlightChecks" INTEGER NOT NULL,
    "maxInFlight" INTEGER NOT NULL,
    "resultsPerSecond" DOUBLE PRECISION NOT NULL,
    "overdueNodes" INTEGER NOT NULL,
    "oldestLagMs" INTEGER NOT NULL,

    CONSTRAINT "ProbeWorkerStatus_pkey" PRIMARY KEY ("workerId")
);
