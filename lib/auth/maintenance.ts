import { deleteExpiredSessions } from "@/lib/auth/session";
import { sweepOldBuckets } from "@/lib/rate-limit/rate-limit";
import { sweepLoginThrottles } from "@/lib/rate-limit/login-throttle";

/**
 * Housekeeping for a periodic worker job (e.g. hourly): removes expired sessions (others are
 * removed lazily when presented), rate-limit counters older than two days and sign-in throttles
 * with nothing left to remember.
 */
export async function sweepAuthTables(): Promise<{ sessions: number; rateLimitBuckets: number; loginThrottles: number }> {
  return { sessions: await deleteExpiredSessions(), rateLimitBuckets: await sweepOldBuckets(), loginThrottles: await sweepLoginThrottles() };
}
