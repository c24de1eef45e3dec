"use server";

import { redirect } from "next/navigation";
import type { ActionState } from "@/lib/auth/action-state";
import { clearSessionCookies, requestMeta, setSessionCookie } from "@/lib/auth/cookies";
import { safeRedirectPath } from "@/lib/auth/redirect-target";
import { deleteSessionByToken } from "@/lib/auth/session";
import { readSessionToken } from "@/lib/auth/session-token";
import { signInWithPassword } from "@/lib/auth/sign-in";

export async function signIn(_previous: ActionState, form: FormData): Promise<ActionState> {
  const meta = await requestMeta();
  const result = await signInWithPassword({
    email: form.get("email"),
    password: form.get("password"),
    ip: meta.ip,
    userAgent: meta.userAgent,
    previousToken: await readSessionToken(),
  });
  if (!result.ok) {
    const email = typeof form.get("email") === "string" ? String(form.get("email")).slice(0, 254) : "";
    if (result.error === "rate_limited") {
      return { error: `Too many sign-in attempts. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s).`, email };
    }
    return { error: "Wrong e-mail address or password.", email };
  }
  await setSessionCookie(result.session);
  redirect(safeRedirectPath(form.get("next")));
}

/** Ends the current session (deleted from the database, cookie cleared); the button then loads /login. */
export async function signOut(): Promise<void> {
  const token = await readSessionToken();
  if (token) await deleteSessionByToken(token);
  await clearSessionCookies();
}
