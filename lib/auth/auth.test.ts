import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { AuthorizationError, getCurrentActor, requireActor } from "@/lib/auth/actor";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { clientIp, hashToken, isSecureRequest, sessionCookie, validateSessionToken } from "@/lib/auth/session";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { anonymously, asRole, createTestSession, createTestUser, withSessionToken, withUser } from "@/lib/auth/testing";
import { changeOwnPassword, changeUserRole, createFirstAdmin, createUser, removesLastAdmin, resetUserPassword, SetupClosedError, setUserDisabled } from "@/lib/auth/users";
import { UserInputError } from "@/lib/auth/validation";

const ip = () => `10.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`;

/** Ends every running sign-in backoff (tests do not wait out real seconds). */
async function unblockAll() {
  await prisma.loginThrottle.updateMany({ data: { blockedUntil: null } });
}

async function unblock<T>(attempt: () => Promise<T>): Promise<T> {
  await unblockAll();
  return attempt();
}

async function expectAuthError(promise: Promise<unknown>, status: 401 | 403) {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(AuthorizationError);
  expect((error as AuthorizationError).status).toBe(status);
}

describe("passwords", () => {
  it("hashes with scrypt and verifies only the right password (NFC-normalised)", async () => {
    const hash = await hashPassword("caf\u00e9 au lait 1234");
    expect(hash).toMatch(/^scrypt\$65536\$8\$1\$/);
    expect(await verifyPassword("cafe\u0301 au lait 1234", hash)).toBe(true);
    expect(await verifyPassword("cafe au lait 1234", hash)).toBe(false);
    expect(await verifyPassword("anything", "garbage")).toBe(false);
  });
});

describe("sign-in", () => {
  it("opens a database session for the right password and records it", async () => {
    const user = await createTestUser("viewer");
    const result = await signInWithPassword({ email: `  ${user.email.toUpperCase()} `, password: user.password, ip: ip() });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await prisma.session.findUnique({ where: { tokenHash: hashToken(result.session.token) } });
    expect(row?.userId).toBe(user.id);
    expect(await prisma.session.count({ where: { tokenHash: result.session.token } })).toBe(0); // never stored in clear
    expect((await validateSessionToken(result.session.token))?.email).toBe(user.email);
    expect(await prisma.auditEvent.count({ where: { subjectId: user.id, action: "user.signed_in" } })).toBe(1);
  });

  it("refuses a wrong password, an unknown e-mail and a disabled account with the same answer", async () => {
    const user = await createTestUser("operator");
    const admin = await createTestUser("admin");
    expect(await signInWithPassword({ email: user.email, password: "wrong password!!", ip: ip() })).toEqual({ ok: false, error: "invalid_credentials" });
    expect(await signInWithPassword({ email: `nobody-${randomUUID()}@test.example`, password: user.password, ip: ip() })).toEqual({ ok: false, error: "invalid_credentials" });
    await setUserDisabled(admin.actor, user.id, true);
    expect(await signInWithPassword({ email: user.email, password: user.password, ip: ip() })).toEqual({ ok: false, error: "invalid_credentials" });
    expect(await prisma.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await prisma.auditEvent.count({ where: { subjectId: user.id, action: "user.sign_in_failed" } })).toBe(2);
  });

  it("replaces the caller's previous session (no session fixation)", async () => {
    const user = await createTestUser("viewer");
    const planted = await createTestSession(user.id);
    const result = await signInWithPassword({ email: user.email, password: user.password, ip: ip(), previousToken: planted });
    expect(result.ok).toBe(true);
    expect(await validateSessionToken(planted)).toBeNull();
  });

  it("throttles an account from one address with growing backoff, never the right password from another address", async () => {
    const user = await createTestUser("viewer");
    const attacker = ip();
    for (let i = 0; i < 5; i++) expect(await signInWithPassword({ email: user.email, password: "wrong password!!", ip: attacker })).toEqual({ ok: false, error: "invalid_credentials" });
    // Ten failures locked the account for everyone before; now the owner elsewhere signs in.
    for (let i = 0; i < 5; i++) await unblock(() => signInWithPassword({ email: user.email, password: "wrong password!!", ip: attacker }));
    expect((await signInWithPassword({ email: user.email, password: user.password, ip: ip() })).ok).toBe(true);
    // The attacking address waits, and longer with every further failure.
    const limited = await signInWithPassword({ email: user.email, password: user.password, ip: attacker });
    expect(limited).toMatchObject({ ok: false, error: "rate_limited" });
    const first = limited.ok === false && limited.error === "rate_limited" ? limited.retryAfterSeconds : 0;
    await unblock(() => signInWithPassword({ email: user.email, password: "wrong password!!", ip: attacker }));
    const second = await signInWithPassword({ email: user.email, password: user.password, ip: attacker });
    expect(second).toMatchObject({ ok: false, error: "rate_limited" });
    expect(second.ok === false && second.error === "rate_limited" ? second.retryAfterSeconds : 0).toBeGreaterThan(first);
    // Once the wait is over the right password works from there too, and clears the count.
    await unblockAll();
    expect((await signInWithPassword({ email: user.email, password: user.password, ip: attacker })).ok).toBe(true);
    expect((await signInWithPassword({ email: user.email, password: "wrong password!!", ip: attacker })).ok).toBe(false);
    expect((await signInWithPassword({ email: user.email, password: user.password, ip: attacker })).ok).toBe(true);
  }, 120_000);

  it("throttles one address spraying many accounts at a higher threshold, without locking out users known at that address", async () => {
    const shared = ip();
    const regular = await createTestUser("viewer");
    expect((await signInWithPassword({ email: regular.email, password: regular.password, ip: shared })).ok).toBe(true);
    const newcomer = await createTestUser("viewer");
    for (let i = 0; i < 50; i++) await signInWithPassword({ email: `spray-${i}`, password: "x", ip: shared }); // malformed: counted, no scrypt
    expect(await signInWithPassword({ email: "spray-next", password: "x", ip: shared })).toMatchObject({ ok: false, error: "invalid_credentials" });
    // The 51st failure started the backoff for this address…
    expect(await signInWithPassword({ email: newcomer.email, password: newcomer.password, ip: shared })).toMatchObject({ ok: false, error: "rate_limited" });
    // …but not for a user who signed in from it before, nor for anyone elsewhere.
    expect((await signInWithPassword({ email: regular.email, password: regular.password, ip: shared })).ok).toBe(true);
    expect((await signInWithPassword({ email: newcomer.email, password: newcomer.password, ip: ip() })).ok).toBe(true);
  }, 120_000);

  it("keeps counts in PostgreSQL under hashed keys", async () => {
    const user = await createTestUser("viewer");
    const address = ip();
    await signInWithPassword({ email: user.email, password: "wrong password!!", ip: address });
    const rows = await prisma.loginThrottle.findMany({ where: { lastFailureAt: { not: null } }, orderBy: { lastFailureAt: "desc" }, take: 2 });
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(user.email);
    expect(JSON.stringify(rows)).not.toContain(address);
  });

  it("treats malformed, oversized, control-character and SQL-looking input as a failed sign-in", async () => {
    for (const email of ["", "not-an-email", "a@b", "x".repeat(300) + "@test.example", "evil\u0000@test.example", "' OR 1=1 --@test.example", "j\u00f6rg@test.example", 42, null]) {
      expect(await signInWithPassword({ email, password: "' OR '1'='1", ip: ip() })).toEqual({ ok: false, error: "invalid_credentials" });
    }
    expect(await signInWithPassword({ email: "someone@test.example", password: "p".repeat(10_000), ip: ip() })).toEqual({ ok: false, error: "invalid_credentials" });
    expect(await prisma.user.count({ where: { email: { contains: "1=1" } } })).toBe(0);
  });
});

describe("sessions", () => {
  it("expire after the idle timeout and are deleted", async () => {
    const user = await createTestUser("viewer");
    const token = await createTestSession(user.id);
    await prisma.session.update({ where: { tokenHash: hashToken(token) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await validateSessionToken(token)).toBeNull();
    expect(await prisma.session.count({ where: { tokenHash: hashToken(token) } })).toBe(0);
  });

  it("expire after the absolute lifetime even when used", async () => {
    const user = await createTestUser("viewer");
    const token = await createTestSession(user.id);
    await prisma.session.update({ where: { tokenHash: hashToken(token) }, data: { createdAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) } });
    expect(await validateSessionToken(token)).toBeNull();
  });

  it("slide the idle expiry when used after a while", async () => {
    const user = await createTestUser("viewer");
    const token = await createTestSession(user.id);
    const old = new Date(Date.now() - 60 * 60 * 1000);
    await prisma.session.update({ where: { tokenHash: hashToken(token) }, data: { lastSeenAt: old, expiresAt: new Date(Date.now() + 1000 * 60) } });
    expect(await validateSessionToken(token)).not.toBeNull();
    const row = await prisma.session.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
  });

  it("reject unknown and absurd tokens", async () => {
    expect(await validateSessionToken("nope")).toBeNull();
    expect(await validateSessionToken("x".repeat(10_000))).toBeNull();
    expect(await validateSessionToken(null)).toBeNull();
  });

  it("use secure __Host- cookies only over https", () => {
    const session = { token: "t", expiresAt: new Date() };
    expect(sessionCookie(session, false)).toMatchObject({ name: "switchyard_session", options: { httpOnly: true, sameSite: "lax", secure: false, path: "/" } });
    expect(sessionCookie(session, true)).toMatchObject({ name: "__Host-switchyard_session", options: { secure: true } });
    expect(isSecureRequest(new Headers({ "x-forwarded-proto": "https" }))).toBe(true);
    expect(isSecureRequest(new Headers({ "x-forwarded-proto": "http" }))).toBe(false);
    expect(clientIp(new Headers({ "x-forwarded-for": "1.2.3.4, 127.0.0.1" }))).toBe("127.0.0.1");
  });
});

describe("requireActor", () => {
  it("throws 401 without a session, or with an expired or unknown one", async () => {
    await expectAuthError(anonymously(() => requireActor("viewer")), 401);
    await expectAuthError(withSessionToken("forged-token", () => requireActor("viewer")), 401);
    expect(await anonymously(() => getCurrentActor())).toBeNull();
  });

  it("returns the signed-in user and enforces the role ladder", async () => {
    await asRole("viewer", async (user) => {
      expect(await requireActor("viewer")).toEqual({ kind: "user", id: user.id, label: user.email, role: "viewer" });
      await expectAuthError(requireActor("operator"), 403);
      await expectAuthError(requireActor("admin"), 403);
    });
    await asRole("operator", async () => {
      expect((await requireActor("operator")).role).toBe("operator");
      await expectAuthError(requireActor("admin"), 403);
    });
    await asRole("admin", async () => expect((await requireActor("admin")).role).toBe("admin"));
  });

  it("sees role changes and disabling immediately", async () => {
    const admin = await createTestUser("admin");
    const user = await createTestUser("operator");
    const token = await createTestSession(user.id);
    await changeUserRole(admin.actor, user.id, "viewer");
    await expectAuthError(withSessionToken(token, () => requireActor("operator")), 403);
    await setUserDisabled(admin.actor, user.id, true);
    await expectAuthError(withSessionToken(token, () => requireActor("viewer")), 401);
  });
});

describe("user administration", () => {
  it("lets an admin create users, with audit, and refuses duplicates and bad input", async () => {
    const admin = await createTestUser("admin");
    const email = `new-${randomUUID()}@test.example`;
    const user = await createUser(admin.actor, { email: email.toUpperCase(), password: "a long enough password", role: "operator" });
    expect(user).toMatchObject({ email, role: "operator", disabledAt: null });
    expect(user).not.toHaveProperty("passwordHash");
    expect(await prisma.auditEvent.count({ where: { subjectId: user.id, action: "user.created", actor: admin.email } })).toBe(1);
    await expect(createUser(admin.actor, { email, password: "a long enough password", role: "viewer" })).rejects.toThrow(/already exists/);

    const before = await prisma.user.count();
    const bad: Record<string, unknown>[] = [
      { email: "not-an-email", password: "a long enough password", role: "viewer" },
      { email: `x${"y".repeat(300)}@test.example`, password: "a long enough password", role: "viewer" },
      { email: "tab\t@test.example", password: "a long enough password", role: "viewer" },
      { email: "m\u00fcller@test.example", password: "a long enough password", role: "viewer" },
      { email: "'; DROP TABLE \"User\"; --@test.example", password: "a long enough password", role: "viewer" },
      { email: `ok-${randomUUID()}@test.example`, password: "short", role: "viewer" },
      { email: `ok-${randomUUID()}@test.example`, password: "p".repeat(257), role: "viewer" },
      { email: `ok-${randomUUID()}@test.example`, password: "line\nbreak password", role: "viewer" },
      { email: `ok-${randomUUID()}@test.example`, password: "a long enough password", role: "root" },
    ];
    for (const input of bad) {
      await expect(createUser(admin.actor, input as never)).rejects.toBeInstanceOf(UserInputError);
    }
    expect(await prisma.user.count()).toBe(before);
  });

  it("refuses user administration to non-admins", async () => {
    const operator = await createTestUser("operator");
    const viewer = await createTestUser("viewer");
    await expectAuthError(createUser(operator.actor, { email: `z-${randomUUID()}@test.example`, password: "a long enough password", role: "admin" }), 403);
    await expectAuthError(changeUserRole(operator.actor, viewer.id, "admin"), 403);
    await expectAuthError(setUserDisabled(viewer.actor, operator.id, true), 403);
  });

  it("never removes the last enabled admin", async () => {
    // The rule itself (the database count is global and other test files add admins concurrently).
    expect(removesLastAdmin(1, { role: "admin", disabledAt: null })).toBe(true);
    expect(removesLastAdmin(2, { role: "admin", disabledAt: null })).toBe(false);
    expect(removesLastAdmin(1, { role: "operator", disabledAt: null })).toBe(false);
    expect(removesLastAdmin(1, { role: "admin", disabledAt: new Date() })).toBe(false);
    // With another admin present, demoting and re-promoting works and is audited.
    const admin = await createTestUser("admin");
    const second = await createTestUser("admin");
    await changeUserRole(second.actor, admin.id, "viewer");
    expect((await prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe("viewer");
    await changeUserRole(second.actor, admin.id, "admin");
    expect(await prisma.auditEvent.count({ where: { subjectId: admin.id, action: "user.role_changed" } })).toBe(2);
  });

  it("closes /setup once any user exists", async () => {
    await createTestUser("viewer");
    await expect(createFirstAdmin({ email: `first-${randomUUID()}@test.example`, password: "a long enough password" })).rejects.toBeInstanceOf(SetupClosedError);
  });

  it("withUser runs code as a given user", async () => {
    const user = await createTestUser("operator");
    expect((await withUser(user, () => requireActor("operator"))).id).toBe(user.id);
  });
});

describe("passwords can be changed", () => {
  it("by an admin (reset): the old password and all sessions stop working", async () => {
    const admin = await createTestUser("admin");
    const user = await createTestUser("operator");
    const token = await createTestSession(user.id);
    await expectAuthError(resetUserPassword(user.actor, admin.id, "a brand new password"), 403);
    await expect(resetUserPassword(admin.actor, user.id, "short")).rejects.toBeInstanceOf(UserInputError);
    await resetUserPassword(admin.actor, user.id, "a brand new password");
    expect(await validateSessionToken(token)).toBeNull();
    expect((await signInWithPassword({ email: user.email, password: user.password, ip: ip() })).ok).toBe(false);
    expect((await signInWithPassword({ email: user.email, password: "a brand new password", ip: ip() })).ok).toBe(true);
    expect(await prisma.auditEvent.count({ where: { subjectId: user.id, action: "user.password_reset" } })).toBe(1);
  });

  it("by the user, who must give the current one and keeps only the new session", async () => {
    const user = await createTestUser("viewer");
    const other = await createTestSession(user.id);
    await expect(changeOwnPassword(user.actor, "wrong current", "another long password")).rejects.toThrow(/current password/);
    const session = await changeOwnPassword(user.actor, user.password, "another long password");
    expect(await validateSessionToken(other)).toBeNull();
    expect((await validateSessionToken(session.token))?.id).toBe(user.id);
    expect((await signInWithPassword({ email: user.email, password: "another long password", ip: ip() })).ok).toBe(true);
  });
});
