import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { clearRateLimitCache, enforceRateLimit, hitRateLimit, RateLimitedError, rateLimitedResponse, resetRateLimit } from "@/lib/rate-limit/rate-limit";

describe("rate limiter", () => {
  it("allows `limit` hits per window, then refuses with a retry-after inside the window", async () => {
    const rule = { name: `test:${randomUUID()}`, limit: 3, windowSeconds: 3600 };
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await hitRateLimit(rule, "subject"));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results[2].count).toBe(3);
    for (const r of results) expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    for (const r of results) expect(r.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect((await hitRateLimit(rule, "another subject")).allowed).toBe(true);
  });

  it("counts atomically under concurrency (as several instances would)", async () => {
    const rule = { name: `test:${randomUUID()}`, limit: 20, windowSeconds: 3600 };
    const results = await Promise.all(Array.from({ length: 30 }, () => hitRateLimit(rule, "burst")));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    expect(results.map((r) => r.count).sort((a, b) => a - b).slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("starts a new window when the old one is over", async () => {
    const rule = { name: `test:${randomUUID()}`, limit: 1, windowSeconds: 60 };
    await hitRateLimit(rule, "s");
    expect((await hitRateLimit(rule, "s")).allowed).toBe(false);
    clearRateLimitCache();
    await prisma.$executeRaw`UPDATE "RateLimitBucket" SET "windowStart" = "windowStart" - interval '1 hour' WHERE "key" LIKE ${rule.name + ":%"}`;
    expect(await hitRateLimit(rule, "s")).toMatchObject({ allowed: true, count: 1 });
  });

  it("enforceRateLimit throws RateLimitedError; the response is a 429 with Retry-After", async () => {
    const rule = { name: `test:${randomUUID()}`, limit: 1, windowSeconds: 600 };
    await enforceRateLimit(rule, "x");
    const error = await enforceRateLimit(rule, "x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    const response = rateLimitedResponse((error as RateLimitedError).retryAfterSeconds);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: { code: "rate_limited" } });
    await resetRateLimit(rule, "x");
    expect((await hitRateLimit(rule, "x")).allowed).toBe(true);
  });

  it("stores hashed subjects only", async () => {
    const rule = { name: `test:${randomUUID()}`, limit: 5, windowSeconds: 60 };
    await hitRateLimit(rule, "alice@example.com");
    const rows = await prisma.rateLimitBucket.findMany({ where: { key: { startsWith: rule.name } } });
    expect(rows).toHaveLength(1);
    expect(rows[0].key).not.toContain("alice");
  });
});
