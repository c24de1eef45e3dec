import type { PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";

/** What the stats queries need; tests pass a client whose session runs in another time zone. */
export type StatsDb = Pick<PrismaClient, "$queryRaw" | "$executeRaw" | "$transaction">;
export const defaultStatsDb: StatsDb = prisma;

export const STATS_WATERMARK = "stats";
