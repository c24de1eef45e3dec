import { createHash } from "node:crypto";
import { prisma } from "@/lib/db/prisma";

/** A fixed-window limit: at most `limit` hits per `windowSeconds` (1 s to 1 day) per subject. */
export interface RateLimitRule {
  /** Namespaces the counters, e.g. "login:email". */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Hits in the current window, including this one. */
  count: number;
  limit: number;
  /** Seconds until the window resets (>= 1); send as Retry-After when not allowed. */
  retryAfterSeconds: number;
}

export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests. Try again in ${retryAfterSeconds} s.`);
  }
}

/** The first-admin setup form, per client address (sign-in has its own throttle: login-throttle.ts). */
export const SETUP_PER_IP: RateLimitRule = { name: "setup:ip", limit: 50, windowSeconds: 15 * 60 };
/** Default for the REST API, per API key. */
export const API_PER_KEY: RateLimitRule = { name: "api:key", limit: 600, windowSeconds: 60 };

// Subjects already over their limit, so a flood is refused without touching the database.
const blockedUntil = new Map<string, number>();

function bucketKey(rule: RateLimitRule, subject: string): string {
  // Subjects (e-mail addresses, IPs, key ids) are hashed: bounded size, nothing personal at rest.
  return `${rule.name}:${createHash("sha256").update(subject, "utf8").digest("base64url").slice(0, 32)}`;
}

/**
 * Counts one hit for `subject` under `rule` and says whether it is allowed. The counter lives in
 * PostgreSQL (one atomic INSERT … ON CONFLICT DO UPDATE … RETURNING, windows aligned on the
 * database clock), so every instance sharing the database sees the same counts.
 */
export async function hitRateLimit(rule: RateLimitRule, subject: string): Promise<RateLimitResult> {
  const window = Math.floor(rule.windowSeconds);
  if (!(window >= 1 && window <= 86_400) || !(rule.limit >= 1)) throw new Error(`Bad rate limit rule ${rule.name}.`);
  const key = bucketKey(rule, subject);

  const blocked = blockedUntil.get(key);
  if (blocked !== undefined) {
    const remainingMs = blocked - Date.now();
    if (remainingMs > 0) return { allowed: false, count: rule.limit + 1, limit: rule.limit, retryAfterSeconds: Math.ceil(remainingMs / 1000) };
    blockedUntil.delete(key);
  }

  const [row] = await prisma.$queryRaw<{ count: number; remaining: number }[]>`
    WITH now AS (SELECT extract(epoch FROM clock_timestamp()) AS epoch)
    INSERT INTO "RateLimitBucket" ("key", "windowStart", "count")
    SELECT ${key}, to_timestamp(floor(now.epoch / ${window}::int) * ${window}::int) AT TIME ZONE 'UTC', 1 FROM now
    ON CONFLICT ("key") DO UPDATE SET
      "count" = CASE WHEN "RateLimitBucket"."windowStart" = EXCLUDED."windowStart" THEN "RateLimitBucket"."count" + 1 ELSE 1 END,
      "windowStart" = EXCLUDED."windowStart"
    RETURNING "count", (${window}::int - mod(floor((SELECT epoch FROM now))::bigint, ${window}::int))::int AS "remaining"`;
  const count = Number(row.count);
  const retryAfterSeconds = Math.max(1, Number(row.remaining));
  const allowed = count <= rule.limit;
  if (!allowed) {
    if (blockedUntil.size > 10_000) blockedUntil.clear();
    blockedUntil.set(key, Date.now() + retryAfterSeconds * 1000);
  }
  if (Math.random() < 0.005) void sweepOldBuckets().catch(() => undefined);
  return { allowed, count, limit: rule.limit, retryAfterSeconds };
}

/** Like hitRateLimit, but throws RateLimitedError when over the limit. */
export async function enforceRateLimit(rule: RateLimitRule, subject: string): Promise<RateLimitResult> {
  const result = await hitRateLimit(rule, subject);
  if (!result.allowed) throw new RateLimitedError(result.retryAfterSeconds);
  return result;
}

/** Forgets a subject's count (e.g. the per-e-mail login counter after a successful sign-in). */
export async function resetRateLimit(rule: RateLimitRule, subject: string): Promise<void> {
  const key = bucketKey(rule, subject);
  blockedUntil.delete(key);
  await prisma.rateLimitBucket.deleteMany({ where: { key } });
}

/** Removes counters whose window ended more than a day ago (runs now and then on its own). */
export async function sweepOldBuckets(): Promise<number> {
  return prisma.$executeRaw`DELETE FROM "RateLimitBucket" WHERE "windowStart" < (now() AT TIME ZONE 'UTC') - interval '2 days'`;
}

/** The JSON 429 the REST API answers with, carrying Retry-After. */
export function rateLimitedResponse(retryAfterSeconds: number): Response {
  return Response.json(
    { error: { code: "rate_limited", message: `Too many requests. Try again in ${retryAfterSeconds} s.` } },
    { status: 429, headers: { "retry-after": String(retryAfterSeconds) } },
  );
}

/** Test helper: forget the in-memory block list of this process. */
export function clearRateLimitCache(): void {
  blockedUntil.clear();
}
