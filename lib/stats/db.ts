import { Prisma, type PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";

/** What the stats queries need; tests pass a client whose session runs in another time zone. */
export type StatsDb = Pick<PrismaClient, "$queryRaw" | "$executeRaw" | "$transaction">;
export const defaultStatsDb: StatsDb = prisma;

export const STATS_WATERMARK = "stats";

/**
 * A timestamptz column read back as epoch milliseconds (a number): $queryRaw misreads timestamptz
 * text from a session whose TimeZone is not UTC (the offset is dropped). Bound instants go the
 * other way through sqlInstant() in ./windows.
 */
export function epochMsSql(column: string): Prisma.Sql {
  return Prisma.raw(`(extract(epoch FROM ${column}) * 1000)::float8`);
}
