-- CreateTable
CREATE TABLE "ProbeRun" (
    "id" UUID NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "nodeIds" UUID[],
    "targetIds" UUID[],
    "status" TEXT NOT NULL DEFAULT 'running',
    "total" INTEGER NOT NULL,
    "done" INTEGER NOT NULL DEFAULT 0,
    "countsByClass" JSONB NOT NULL DEFAULT '{}',
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ProbeRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ProbeRun_startedAt_idx" ON "ProbeRun"("startedAt");

