import { createHash } from "node:crypto";
import { prisma } from "@/lib/db/prisma";

/**
 * Sign-in throttling: failures are counted per (account, address) and per address, never per
 * account alone, so nobody can lock the right password out from another address.
 *
 *   account + address   the first FREE failures cost nothing; each further one blocks that pair
 *                       for base·2^(n−FREE−1) s (1 s, 2 s, 4 s … capped at 15 min)
 *   address             the same with a higher allowance (password spraying over many accounts
 *                       from one address); an account that signed in successfully from that
 *                       address in the last 30 days is exempt, so a known user behind a busy
 *                       NAT or proxy is not locked out by someone else's failures
 *
 * A success clears its pair's failures. Counts are forgotten after an hour without failures.
 * Counters live in PostgreSQL (one atomic upsert per failure), so every instance sees the same.
 */
export interface LoginThrottleRule {
  name: string;
  freeFailures: number;
  baseSeconds: number;
  maxSeconds: number;
}

export const LOGIN_PER_ACCOUNT_AND_ADDRESS: LoginThrottleRule = { name: "login:account+address", freeFailures: 5, baseSeconds: 1, maxSeconds: 15 * 60 };
export const LOGIN_PER_ADDRESS: LoginThrottleRule = { name: "login:address", freeFailures: 50, baseSeconds: 1, maxSeconds: 15 * 60 };
const FORGET_AFTER_SECONDS = 3600;
const TRUSTED_PAIR_DAYS = 30;

function throttleKey(rule: LoginThrottleRule, ...parts: string[]): string {
  return `${rule.name}:${createHash("sha256").update(parts.join("\n"), "utf8").digest("base64url").slice(0, 32)}`;
}

const pairKey = (email: string, ip: string) => throttleKey(LOGIN_PER_ACCOUNT_AND_ADDRESS, email, ip);
const addressKey = (ip: string) => throttleKey(LOGIN_PER_ADDRESS, ip);

/** Seconds until this e-mail may try again from this address (0 = now). */
export async function loginRetryAfterSeconds(email: string, ip: string): Promise<number> {
  const pair = pairKey(email, ip);
  const [row] = await prisma.$queryRaw<{ wait: number | null }[]>`
    SELECT ceil(extract(epoch FROM max(t."blockedUntil") - clock_timestamp()))::int AS wait
    FROM "LoginThrottle" t
    WHERE t."blockedUntil" > clock_timestamp()
      AND (t."key" = ${pair}
           OR (t."key" = ${addressKey(ip)} AND NOT EXISTS (
                 SELECT 1 FROM "LoginThrottle" p WHERE p."key" = ${pair} AND p."lastSuccessAt" > clock_timestamp() - make_interval(days => ${TRUSTED_PAIR_DAYS}))))`;
  return Math.max(0, row?.wait ?? 0);
}

/** Counts one failed sign-in of `email` (as typed, normalised) from `ip`. */
export async function recordLoginFailure(email: string, ip: string): Promise<void> {
  await Promise.all([bumpFailures(LOGIN_PER_ACCOUNT_AND_ADDRESS, pairKey(email, ip)), bumpFailures(LOGIN_PER_ADDRESS, addressKey(ip))]);
  if (Math.random() < 0.01) void sweepLoginThrottles().catch(() => undefined);
}

/** Seconds a key is blocked after its n-th failure in a row (0 while within the allowance). */
export function backoffSeconds(rule: LoginThrottleRule, failures: number): number {
  if (failures <= rule.freeFailures) return 0;
  return Math.min(rule.maxSeconds, rule.baseSeconds * 2 ** Math.min(failures - rule.freeFailures - 1, 30));
}

async function bumpFailures(rule: LoginThrottleRule, key: string): Promise<void> {
  // The count is atomic (concurrent failures each add one); the block follows the count this call saw.
  const [row] = await prisma.$queryRaw<{ failures: number }[]>`
    INSERT INTO "LoginThrottle" ("key", "failures", "lastFailureAt") VALUES (${key}, 1, clock_timestamp())
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "LoginThrottle"."lastFailureAt" IS NULL OR "LoginThrottle"."lastFailureAt" < clock_timestamp() - make_interval(secs => ${FORGET_AFTER_SECONDS})
                        THEN 1 ELSE "LoginThrottle"."failures" + 1 END,
      "lastFailureAt" = clock_timestamp()
    RETURNING "failures"`;
  const seconds = backoffSeconds(rule, Number(row.failures));
  if (seconds > 0) {
    await prisma.$executeRaw`
      UPDATE "LoginThrottle" SET "blockedUntil" = greatest(coalesce("blockedUntil", '-infinity'), clock_timestamp() + make_interval(secs => ${seconds}::float8))
      WHERE "key" = ${key}`;
  }
}

/** A successful sign-in: the pair's failures are forgotten and the pair is trusted at this address. */
export async function recordLoginSuccess(email: string, ip: string): Promise<void> {
  const key = pairKey(email, ip);
  await prisma.$executeRaw`
    INSERT INTO "LoginThrottle" ("key", "failures", "lastSuccessAt") VALUES (${key}, 0, clock_timestamp())
    ON CONFLICT ("key") DO UPDATE SET "failures" = 0, "lastFailureAt" = NULL, "blockedUntil" = NULL, "lastSuccessAt" = clock_timestamp()`;
}

/** Drops rows with nothing left to remember (no recent failure, block or trusted success). */
export async function sweepLoginThrottles(): Promise<number> {
  return prisma.$executeRaw`
    DELETE FROM "LoginThrottle"
    WHERE coalesce("blockedUntil", '-infinity') < clock_timestamp()
      AND coalesce("lastFailureAt", '-infinity') < clock_timestamp() - make_interval(secs => ${FORGET_AFTER_SECONDS})
      AND coalesce("lastSuccessAt", '-infinity') < clock_timestamp() - make_interval(days => ${TRUSTED_PAIR_DAYS})`;
}
