import { deleteExpiredSessions } from "@/lib/auth/session";
import { sweepOldBuckets } from "@/lib/rate-limit/rate-limit";

/**
 * Housekeeping for a periodic worker job (e.g. hourly): removes expired sessions (others are
 * removed lazily when presented) and rate-limit counters older than two days.
 */
export async function sweepAuthTables(): Promise<{ sessions: number; rateLimitBuckets: number }> {
  return { sessions: await deleteExpiredSessions(), rateLimitBuckets: await sweepOldBuckets() };
}
