import "server-only";
import { cookies, headers } from "next/headers";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "@/lib/auth/cookie-names";
import { clientIp, isSecureRequest, sessionCookie, type NewSession } from "@/lib/auth/session";

/** Sets the session cookie on the response of the current server action. */
export async function setSessionCookie(session: NewSession): Promise<void> {
  const cookie = sessionCookie(session, isSecureRequest(await headers()));
  const jar = await cookies();
  jar.set(cookie.name, cookie.value, cookie.options);
  // Drop a leftover cookie of the other flavour (http ↔ https), so only one session is presented.
  jar.delete(cookie.name === SESSION_COOKIE ? SECURE_SESSION_COOKIE : SESSION_COOKIE);
}

export async function clearSessionCookies(): Promise<void> {
  const jar = await cookies();
  jar.delete(SESSION_COOKIE);
  jar.delete(SECURE_SESSION_COOKIE);
}

/** Client address and user agent of the current request (for rate limits and the session row). */
export async function requestMeta(): Promise<{ ip: string; userAgent: string }> {
  const all = await headers();
  return { ip: clientIp(all), userAgent: all.get("user-agent") ?? "" };
}
