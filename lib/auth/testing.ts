// Test helpers (Vitest only, real database). Not imported by application code.
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/prisma";
import type { Actor, Role } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { createSession } from "@/lib/auth/session";
import { runWithSessionToken } from "@/lib/auth/session-token";

export const TEST_PASSWORD = "correct horse battery staple";

// scrypt is deliberately slow; hash the shared test password once per worker.
let testPasswordHash: Promise<string> | undefined;

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  password: string;
  /** The Actor requireActor returns for this user (for lib functions that take an actor). */
  actor: Actor;
}

/** Creates an enabled user with a unique e-mail address and the password TEST_PASSWORD. */
export async function createTestUser(role: Role = "operator", options: { email?: string } = {}): Promise<TestUser> {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  const email = options.email ?? `${role}-${randomUUID()}@test.example`;
  const user = await prisma.user.create({ data: { email, role, passwordHash: await testPasswordHash } });
  return { id: user.id, email, role, password: TEST_PASSWORD, actor: { kind: "user", id: user.id, label: email, role } };
}

/** A real session row for the user; returns the cookie token. */
export async function createTestSession(userId: string): Promise<string> {
  return (await createSession(userId, { ip: "127.0.0.1", userAgent: "vitest" })).token;
}

/**
 * Runs fn as if the request carried `token` as its session cookie (null: no cookie), so
 * requireActor() and server actions see a real, database-checked session.
 */
export function withSessionToken<T>(token: string | null, fn: () => Promise<T>): Promise<T> {
  return runWithSessionToken(token, fn);
}

/** Runs fn signed in as the user (a fresh session for them). */
export async function withUser<T>(user: { id: string }, fn: () => Promise<T>): Promise<T> {
  return withSessionToken(await createTestSession(user.id), fn);
}

/** Creates a user with the role and runs fn signed in as them: `await asRole("viewer", () => someAction(...))`. */
export async function asRole<T>(role: Role, fn: (user: TestUser) => Promise<T>): Promise<T> {
  const user = await createTestUser(role);
  return withUser(user, () => fn(user));
}

/** Runs fn with no session cookie (requireActor throws 401). */
export function anonymously<T>(fn: () => Promise<T>): Promise<T> {
  return withSessionToken(null, fn);
}
