import { createHash, randomBytes } from "node:crypto";
import { prisma } from "@/lib/db/prisma";
import type { Prisma, User } from "@/generated/prisma/client";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "@/lib/auth/cookie-names";

export { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "@/lib/auth/cookie-names";

/** Idle timeout (sliding) and absolute lifetime of a session. */
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
/** lastSeenAt/expiresAt are written at most this often per session, not on every request. */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface NewSession {
  token: string;
  expiresAt: Date;
}

type SessionWriter = Pick<Prisma.TransactionClient, "session">;

/** A fresh 256-bit token; only its sha256 is stored. */
export async function createSession(
  userId: string,
  meta: { ip?: string; userAgent?: string } = {},
  db: SessionWriter = prisma,
): Promise<NewSession> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_IDLE_MS);
  await db.session.create({
    data: {
      tokenHash: hashToken(token),
      userId,
      expiresAt,
      ip: (meta.ip ?? "").slice(0, 100),
      userAgent: (meta.userAgent ?? "").slice(0, 300),
    },
  });
  return { token, expiresAt };
}

export type SessionUser = Pick<User, "id" | "email" | "role">;

/**
 * The user behind a session token, or null when the token is unknown, expired, or its user is
 * disabled. Extends the idle expiry (at most every few minutes), never past the absolute lifetime.
 */
export async function validateSessionToken(token: string | null | undefined): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const session = await prisma.session.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { select: { id: true, email: true, role: true, disabledAt: true } } },
  });
  if (!session) return null;
  const now = Date.now();
  const absoluteEnd = session.createdAt.getTime() + SESSION_ABSOLUTE_MS;
  if (session.expiresAt.getTime() <= now || absoluteEnd <= now || session.user.disabledAt) {
    await prisma.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await prisma.session.updateMany({
      where: { id: session.id },
      data: { lastSeenAt: new Date(now), expiresAt: new Date(Math.min(now + SESSION_IDLE_MS, absoluteEnd)) },
    });
  }
  return { id: session.user.id, email: session.user.email, role: session.user.role };
}

export async function deleteSessionByToken(token: string): Promise<void> {
  await prisma.session.deleteMany({ where: { tokenHash: hashToken(token) } });
}

/** Expired sessions are removed lazily on use; call this from a periodic job to sweep the rest. */
export async function deleteExpiredSessions(): Promise<number> {
  const result = await prisma.session.deleteMany({ where: { expiresAt: { lte: new Date() } } });
  return result.count;
}

/** Cookie attributes: HttpOnly, SameSite=Lax, path=/, Secure (and the __Host- name) over https. */
export function sessionCookie(session: NewSession, secure: boolean) {
  return {
    name: secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE,
    value: session.token,
    options: { httpOnly: true, sameSite: "lax" as const, secure, path: "/", expires: session.expiresAt },
  };
}

/**
 * Whether the browser reached us over https: SWITCHYARD_SECURE_COOKIES=1/0 decides when set;
 * otherwise X-Forwarded-Proto (Next fills it from the socket; a TLS-terminating proxy sets it).
 */
export function isSecureRequest(headers: Pick<Headers, "get">): boolean {
  const forced = process.env.SWITCHYARD_SECURE_COOKIES;
  if (forced === "1" || forced === "true") return true;
  if (forced === "0" || forced === "false") return false;
  return headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

/**
 * The client address for rate limiting. Only with SWITCHYARD_TRUST_PROXY=1 (behind a reverse proxy
 * that overwrites X-Forwarded-For) is the header's first entry trusted; otherwise its last entry,
 * which Next sets from the socket when the client sent none. A client can forge the header to
 * dodge the per-address limit, but not the per-account one.
 */
export function clientIp(headers: Pick<Headers, "get">): string {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return "unknown";
  const entries = forwarded.split(",").map((entry) => entry.trim()).filter(Boolean);
  const pick = process.env.SWITCHYARD_TRUST_PROXY === "1" ? entries[0] : entries[entries.length - 1];
  return (pick ?? "unknown").slice(0, 100);
}
