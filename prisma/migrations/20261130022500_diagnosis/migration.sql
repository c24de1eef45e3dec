-- Diagnose (issue 10): stored diagnoses, and the node × target pairs the scheduler leaves out.
-- Written in `prisma migrate diff` form (the CLI needs a live database for it here).

-- CreateTable
CREATE TABLE "Diagnosis" (
    "id" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "targetId" UUID,
    "targetUrl" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "steps" JSONB NOT NULL DEFAULT '[]',
    "verdict" JSONB,
    "error" TEXT,
    "actionAppliedAt" TIMESTAMP(3),
    "actionAppliedBy" TEXT,
    "actionOutcome" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Diagnosis_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NodeTargetExclusion" (
    "nodeId" UUID NOT NULL,
    "targetId" UUID NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NodeTargetExclusion_pkey" PRIMARY KEY ("nodeId","targetId")
);

-- CreateIndex
CREATE INDEX "Diagnosis_nodeId_startedAt_idx" ON "Diagnosis"("nodeId", "startedAt");

-- CreateIndex
CREATE INDEX "NodeTargetExclusion_targetId_idx" ON "NodeTargetExclusion"("targetId");

-- AddForeignKey
ALTER TABLE "Diagnosis" ADD CONSTRAINT "Diagnosis_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeTargetExclusion" ADD CONSTRAINT "NodeTargetExclusion_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "ProxyNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NodeTargetExclusion" ADD CONSTRAINT "NodeTargetExclusion_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "ProbeTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;
