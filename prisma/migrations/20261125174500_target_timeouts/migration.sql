-- AlterTable
ALTER TABLE "ProbeTarget" ADD COLUMN     "firstByteTimeoutMs" INTEGER,
ADD COLUMN     "totalTimeoutMs" INTEGER;

