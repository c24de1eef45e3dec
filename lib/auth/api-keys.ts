import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import type { ApiKeyScope } from "@/generated/prisma/client";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { AuthorizationError, roleAtLeast, type Actor } from "@/lib/auth/actor";
import { labelSchema, parseInput, UserInputError, uuidSchema } from "@/lib/auth/validation";

export const API_KEY_SCOPES = ["read", "write", "admin"] as const satisfies readonly ApiKeyScope[];
export type { ApiKeyScope };

// sy_<prefix>_<secret>: prefix = 10 hex chars (shown in the UI, looked up by index), secret = 32
// random bytes base64url. The database keeps only sha256(key): with 256 random bits a slow hash
// adds nothing, and a fast one keeps verification cheap on every API request.
const KEY_PATTERN = /^sy_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_INTERVAL_MS = 60_000;

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function scopeAtLeast(scope: ApiKeyScope, minimum: ApiKeyScope): boolean {
  return API_KEY_SCOPES.indexOf(scope) >= API_KEY_SCOPES.indexOf(minimum);
}

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  poolId: string | null;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const summarySelect = {
  id: true, name: true, prefix: true, scope: true, poolId: true, createdBy: true,
  createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true,
} as const;

const newKeySchema = z.object({
  name: labelSchema,
  scope: z.enum(API_KEY_SCOPES, { error: "Choose read, write or admin." }),
  poolId: uuidSchema.nullable().optional(),
  expiresAt: z.date({ error: "Not a valid expiry date." }).nullable().optional(),
});

/**
 * Admin only. Returns the key in clear text exactly once (show it, never store it); the database
 * keeps its hash. A poolId restricts the key to that pool; an expiresAt must lie in the future.
 */
export async function createApiKey(
  actor: Actor,
  input: { name: unknown; scope: unknown; poolId?: unknown; expiresAt?: unknown },
): Promise<{ key: string; apiKey: ApiKeySummary }> {
  if (!roleAtLeast(actor.role, "admin") || actor.kind !== "user") throw new AuthorizationError(403, "Only an admin can create API keys.");
  const data = parseInput(newKeySchema, input);
  if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) throw new UserInputError("The expiry date must be in the future.", "expiresAt");
  if (data.poolId && !(await prisma.pool.findUnique({ where: { id: data.poolId }, select: { id: true } }))) {
    throw new UserInputError("No such pool.", "poolId");
  }
  const prefix = randomBytes(5).toString("hex");
  const key = `sy_${prefix}_${randomBytes(32).toString("base64url")}`;
  const apiKey = await prisma.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        name: data.name,
        prefix,
        hash: hashApiKey(key),
        scope: data.scope,
        poolId: data.poolId ?? null,
        expiresAt: data.expiresAt ?? null,
        createdById: actor.id,
        createdBy: actor.label,
      },
      select: summarySelect,
    });
    await recordAuditEvents(tx, actor, [
      {
        action: "api_key.created",
        subjectType: "api_key",
        subjectId: created.id,
        after: { name: created.name, prefix, scope: created.scope, poolId: created.poolId, expiresAt: created.expiresAt?.toISOString() ?? null },
      },
    ]);
    return created;
  });
  return { key, apiKey };
}

export async function listApiKeys(): Promise<ApiKeySummary[]> {
  return prisma.apiKey.findMany({ select: summarySelect, orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }] });
}

/** Admin only. Takes effect on the next request: keys are checked against the database every time. */
export async function revokeApiKey(actor: Actor, apiKeyId: unknown): Promise<ApiKeySummary> {
  if (!roleAtLeast(actor.role, "admin")) throw new AuthorizationError(403, "Only an admin can revoke API keys.");
  const id = parseInput(uuidSchema, apiKeyId);
  return prisma.$transaction(async (tx) => {
    const existing = await tx.apiKey.findUnique({ where: { id }, select: summarySelect });
    if (!existing) throw new UserInputError("No such API key.");
    if (existing.revokedAt) return existing;
    const revoked = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: summarySelect });
    await recordAuditEvents(tx, actor, [
      { action: "api_key.revoked", subjectType: "api_key", subjectId: id, before: { name: existing.name, prefix: existing.prefix, scope: existing.scope } },
    ]);
    return revoked;
  });
}

export interface VerifiedApiKey {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  /** Set when the key may only touch this pool. */
  poolId: string | null;
}

// Per process: when each key's lastUsedAt was last written, so busy keys cost no extra writes.
const lastUsedWrites = new Map<string, number>();

/**
 * The key behind an Authorization header value ("Bearer sy_…") or a bare key, or null when it is
 * malformed, unknown, revoked or expired. Records lastUsedAt at most once a minute per key (the
 * UPDATE is also conditional in SQL, so several instances do not multiply writes).
 */
export async function verifyApiKey(bearer: string | null | undefined): Promise<VerifiedApiKey | null> {
  if (!bearer || bearer.length > 200) return null;
  const key = bearer.replace(/^Bearer\s+/i, "").trim();
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const row = await prisma.apiKey.findUnique({ where: { prefix: match[1] } });
  if (!row) return null;
  const expected = Buffer.from(row.hash, "hex");
  const actual = Buffer.from(hashApiKey(key), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  const now = Date.now();
  if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;

  if (now - (lastUsedWrites.get(row.id) ?? 0) >= LAST_USED_INTERVAL_MS) {
    lastUsedWrites.set(row.id, now);
    if (lastUsedWrites.size > 10_000) lastUsedWrites.clear();
    await prisma.$executeRaw`UPDATE "ApiKey" SET "lastUsedAt" = now() WHERE "id" = ${row.id}::uuid AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')`;
  }
  return { id: row.id, name: row.name, prefix: row.prefix, scope: row.scope, poolId: row.poolId };
}

/** Test helper: forget the per-process lastUsedAt write times. */
export function clearApiKeyUsageCache(): void {
  lastUsedWrites.clear();
}
