"use server";

import { redirect } from "next/navigation";
import { clearSessionCookies, requestMeta, setSessionCookie } from "@/lib/auth/cookies";
import { safeRedirectPath } from "@/lib/auth/redirect-target";
import { deleteSessionByToken } from "@/lib/auth/session";
import { readSessionToken } from "@/lib/auth/session-token";
import { signInWithPassword } from "@/lib/auth/sign-in";
import type { FormResult } from "@/lib/http/field-errors";
import { guardedAction } from "@/lib/http/guarded-action";

/** The answer, with the e-mail address typed so the form can show it again after React resets it. */
export type SignInResult = FormResult & { email?: string };

export async function signIn(_previous: SignInResult | null, form: FormData): Promise<SignInResult> {
  const email = typeof form.get("email") === "string" ? String(form.get("email")).slice(0, 254) : "";
  const result = await guardedAction("signIn", async (): Promise<FormResult> => {
    const meta = await requestMeta();
    const outcome = await signInWithPassword({
      email: form.get("email"),
      password: form.get("password"),
      ip: meta.ip,
      userAgent: meta.userAgent,
      previousToken: await readSessionToken(),
    });
    if (!outcome.ok) {
      const message = outcome.error === "rate_limited" ? `Too many sign-in attempts. Try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minute(s).` : "Wrong e-mail address or password.";
      return { ok: false, fieldErrors: { form: message } };
    }
    await setSessionCookie(outcome.session);
    redirect(safeRedirectPath(form.get("next")));
  });
  return { ...result, email };
}

/** Ends the current session (deleted from the database, cookie cleared); the button then loads /login. */
export async function signOut(): Promise<FormResult> {
  return guardedAction("signOut", async () => {
    const token = await readSessionToken();
    if (token) await deleteSessionByToken(token);
    await clearSessionCookies();
    return { ok: true as const };
  });
}
