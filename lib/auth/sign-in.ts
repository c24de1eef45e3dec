import { prisma } from "@/lib/db/prisma";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import type { Actor } from "@/lib/auth/actor";
import { burnPasswordCheck, verifyPassword } from "@/lib/auth/password";
import { createSession, deleteSessionByToken, type NewSession } from "@/lib/auth/session";
import { emailSchema, PASSWORD_MAX } from "@/lib/auth/validation";
import { loginRetryAfterSeconds, recordLoginFailure, recordLoginSuccess } from "@/lib/rate-limit/login-throttle";

export type SignInResult =
  | { ok: true; session: NewSession; user: { id: string; email: string; role: string } }
  | { ok: false; error: "invalid_credentials" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Checks e-mail + password and opens a new session (a fresh token every time, and the caller's
 * previous session, if any, is deleted, so a planted token never becomes a signed-in one).
 * Throttled per (account, address) and, with a higher allowance, per address, with backoff
 * (lib/rate-limit/login-throttle.ts) — never per account alone, so failures from one address do
 * not lock the right password out elsewhere. Every failure looks the same.
 */
export async function signInWithPassword(input: {
  email: unknown;
  password: unknown;
  ip: string;
  userAgent?: string;
  previousToken?: string | null;
}): Promise<SignInResult> {
  const email = emailSchema.safeParse(input.email);
  // The account half of the throttle key: the normalised address, or what was typed when malformed.
  const account = email.success ? email.data : String(input.email ?? "").slice(0, 320);
  const wait = await loginRetryAfterSeconds(account, input.ip);
  if (wait > 0) return { ok: false, error: "rate_limited", retryAfterSeconds: wait };

  const password = typeof input.password === "string" && input.password.length <= PASSWORD_MAX ? input.password : null;
  if (!email.success || password === null) {
    await recordLoginFailure(account, input.ip);
    return { ok: false, error: "invalid_credentials" };
  }

  const user = await prisma.user.findUnique({ where: { email: email.data } });
  if (!user) {
    await burnPasswordCheck(password);
    await recordLoginFailure(account, input.ip);
    return { ok: false, error: "invalid_credentials" };
  }
  const passwordOk = await verifyPassword(password, user.passwordHash);
  const actor: Actor = { kind: "user", id: user.id, label: user.email, role: user.role };
  if (!passwordOk || user.disabledAt) {
    await recordLoginFailure(account, input.ip);
    await recordAuditEvents(prisma, actor, [
      { action: "user.sign_in_failed", subjectType: "user", subjectId: user.id, reason: user.disabledAt ? "account disabled" : "wrong password", after: { ip: input.ip } },
    ]);
    return { ok: false, error: "invalid_credentials" };
  }

  if (input.previousToken) await deleteSessionByToken(input.previousToken);
  const session = await createSession(user.id, { ip: input.ip, userAgent: input.userAgent });
  await recordLoginSuccess(account, input.ip);
  await recordAuditEvents(prisma, actor, [{ action: "user.signed_in", subjectType: "user", subjectId: user.id, after: { ip: input.ip } }]);
  return { ok: true, session, user: { id: user.id, email: user.email, role: user.role } };
}
