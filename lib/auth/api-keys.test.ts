import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { AuthorizationError } from "@/lib/auth/actor";
import { apiErrorResponse, assertPoolAccess, enforceApiRateLimit, requireApiKeyActor } from "@/lib/auth/api-key-actor";
import { createTestUser } from "@/lib/auth/testing";
import { UserInputError } from "@/lib/auth/validation";
import { clearApiKeyUsageCache, createApiKey, hashApiKey, listApiKeys, revokeApiKey, verifyApiKey } from "@/lib/auth/api-keys";

function request(key?: string): Request {
  return new Request("http://127.0.0.1/api/v1/nodes", { headers: key ? { authorization: `Bearer ${key}` } : {} });
}

async function statusOf(promise: Promise<unknown>): Promise<number | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof AuthorizationError) return error.status;
    throw error;
  }
}

describe("API keys", () => {
  it("are created once in clear text, stored hashed, audited and verified", async () => {
    const admin = await createTestUser("admin");
    const { key, apiKey } = await createApiKey(admin.actor, { name: "  scraper eu  ", scope: "read" });
    expect(key).toMatch(/^sy_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`sy_${apiKey.prefix}_`)).toBe(true);
    expect(apiKey).toMatchObject({ name: "scraper eu", scope: "read", createdBy: admin.email, revokedAt: null, lastUsedAt: null });
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.hash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key.split("_").slice(2).join("_"));
    expect(await prisma.auditEvent.count({ where: { subjectId: apiKey.id, action: "api_key.created" } })).toBe(1);
    expect(JSON.stringify(await listApiKeys())).not.toContain(row.hash);

    expect(await verifyApiKey(`Bearer ${key}`)).toMatchObject({ id: apiKey.id, scope: "read", poolId: null });
    expect(await verifyApiKey(key)).not.toBeNull();
  });

  it("reject malformed, unknown and tampered keys", async () => {
    const admin = await createTestUser("admin");
    const { key } = await createApiKey(admin.actor, { name: "k", scope: "write" });
    const tampered = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    for (const bad of [tampered, "", "Bearer", "sy_nothing", `sy_0123456789_${"A".repeat(43)}`, "x".repeat(5000), "' OR 1=1 --", null, undefined]) {
      expect(await verifyApiKey(bad)).toBeNull();
    }
  });

  it("enforce scope: read < write < admin; 401 without a valid key", async () => {
    const admin = await createTestUser("admin");
    const read = (await createApiKey(admin.actor, { name: "r", scope: "read" })).key;
    const write = (await createApiKey(admin.actor, { name: "w", scope: "write" })).key;
    const full = (await createApiKey(admin.actor, { name: "a", scope: "admin" })).key;
    expect(await statusOf(requireApiKeyActor(request(), "read"))).toBe(401);
    expect(await statusOf(requireApiKeyActor(request("sy_bogus"), "read"))).toBe(401);
    expect(await statusOf(requireApiKeyActor(request(read), "read"))).toBe("ok");
    expect(await statusOf(requireApiKeyActor(request(read), "write"))).toBe(403);
    expect(await statusOf(requireApiKeyActor(request(write), "write"))).toBe("ok");
    expect(await statusOf(requireApiKeyActor(request(write), "admin"))).toBe(403);
    expect(await statusOf(requireApiKeyActor(request(full), "admin"))).toBe("ok");
    const actor = await requireApiKeyActor(request(write), "read");
    expect(actor).toMatchObject({ kind: "api_key", role: "operator", scope: "write", poolId: null, label: expect.stringMatching(/^key:w \(/) });
  });

  it("stop working as soon as they are revoked (audited)", async () => {
    const admin = await createTestUser("admin");
    const { key, apiKey } = await createApiKey(admin.actor, { name: "to revoke", scope: "read" });
    expect(await verifyApiKey(key)).not.toBeNull();
    const revoked = await revokeApiKey(admin.actor, apiKey.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await verifyApiKey(key)).toBeNull();
    expect(await statusOf(requireApiKeyActor(request(key), "read"))).toBe(401);
    expect(await prisma.auditEvent.count({ where: { subjectId: apiKey.id, action: "api_key.revoked" } })).toBe(1);
  });

  it("stop working when expired, and refuse an expiry in the past", async () => {
    const admin = await createTestUser("admin");
    const { key, apiKey } = await createApiKey(admin.actor, { name: "short-lived", scope: "read", expiresAt: new Date(Date.now() + 60_000) });
    expect(await verifyApiKey(key)).not.toBeNull();
    await prisma.apiKey.update({ where: { id: apiKey.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await verifyApiKey(key)).toBeNull();
    await expect(createApiKey(admin.actor, { name: "past", scope: "read", expiresAt: new Date(Date.now() - 1000) })).rejects.toBeInstanceOf(UserInputError);
  });

  it("carry an optional pool restriction", async () => {
    const admin = await createTestUser("admin");
    const pool = await prisma.pool.create({ data: { name: `pool-${randomUUID()}` } });
    const { key } = await createApiKey(admin.actor, { name: "pool key", scope: "write", poolId: pool.id });
    const actor = await requireApiKeyActor(request(key), "write");
    expect(actor.poolId).toBe(pool.id);
    expect(() => assertPoolAccess(actor, pool.id)).not.toThrow();
    expect(() => assertPoolAccess(actor, randomUUID())).toThrow(AuthorizationError);
    expect(() => assertPoolAccess(actor, null)).toThrow(AuthorizationError);
    await expect(createApiKey(admin.actor, { name: "ghost pool", scope: "read", poolId: randomUUID() })).rejects.toThrow(/No such pool/);
  });

  it("update lastUsedAt at most once a minute", async () => {
    const admin = await createTestUser("admin");
    const { key, apiKey } = await createApiKey(admin.actor, { name: "usage", scope: "read" });
    await verifyApiKey(key);
    const first = (await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await verifyApiKey(key);
    clearApiKeyUsageCache(); // even another instance (empty cache) does not write again within the minute
    await verifyApiKey(key);
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt).toEqual(first);
    await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date(Date.now() - 120_000) } });
    clearApiKeyUsageCache();
    await verifyApiKey(key);
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it("can only be created and revoked by admins, with valid input", async () => {
    const admin = await createTestUser("admin");
    const operator = await createTestUser("operator");
    const { apiKey } = await createApiKey(admin.actor, { name: "k", scope: "read" });
    expect(await statusOf(createApiKey(operator.actor, { name: "mine", scope: "read" }))).toBe(403);
    expect(await statusOf(revokeApiKey(operator.actor, apiKey.id))).toBe(403);
    const before = await prisma.apiKey.count({ where: { createdById: admin.id } });
    for (const input of [
      { name: "", scope: "read" },
      { name: "x".repeat(81), scope: "read" },
      { name: "bell\u0007", scope: "read" },
      { name: "ok", scope: "superuser" },
      { name: "ok", scope: "read", poolId: "'; DROP TABLE \"ApiKey\"; --" },
    ]) {
      await expect(createApiKey(admin.actor, input)).rejects.toBeInstanceOf(UserInputError);
    }
    expect(await prisma.apiKey.count({ where: { createdById: admin.id } })).toBe(before);
  });

  it("map errors to JSON 401/403/429 responses", async () => {
    const admin = await createTestUser("admin");
    const { key } = await createApiKey(admin.actor, { name: "limited", scope: "read" });
    const actor = await requireApiKeyActor(request(key), "read");
    const rule = { name: `test-api:${randomUUID()}`, limit: 2, windowSeconds: 60 };
    await enforceApiRateLimit(actor, rule);
    await enforceApiRateLimit(actor, rule);
    const limited = apiErrorResponse(await enforceApiRateLimit(actor, rule).catch((e: unknown) => e));
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    const unauthorized = apiErrorResponse(await requireApiKeyActor(request(), "read").catch((e: unknown) => e));
    expect(unauthorized?.status).toBe(401);
    expect(unauthorized?.headers.get("www-authenticate")).toContain("Bearer");
    expect(await unauthorized?.json()).toMatchObject({ error: { code: "unauthorized" } });
    expect(apiErrorResponse(new Error("other"))).toBeNull();
  });
});
