"use server";

import { redirect } from "next/navigation";
import { requestMeta, setSessionCookie } from "@/lib/auth/cookies";
import { createFirstAdmin, SetupClosedError } from "@/lib/auth/users";
import { UserInputError } from "@/lib/auth/validation";
import type { FormResult } from "@/lib/http/field-errors";
import { guardedAction } from "@/lib/http/guarded-action";
import { enforceRateLimit, SETUP_PER_IP } from "@/lib/rate-limit/rate-limit";

/** The answer, with the e-mail address typed so the form can show it again after React resets it. */
export type SetupResult = FormResult & { email?: string };

/** Creates the first admin and signs them in; refused (→ /login) once any account exists. */
export async function createFirstAdminAction(_previous: SetupResult | null, form: FormData): Promise<SetupResult> {
  const result = await guardedAction("createFirstAdmin", async () => {
    const meta = await requestMeta();
    await enforceRateLimit(SETUP_PER_IP, meta.ip);
    if (form.get("password") !== form.get("confirm")) throw new UserInputError("The passwords do not match.", "confirm");
    try {
      const { session } = await createFirstAdmin({ email: form.get("email"), password: form.get("password") }, { ...meta, via: "/setup" });
      await setSessionCookie(session);
    } catch (error) {
      if (!(error instanceof SetupClosedError)) throw error;
      redirect("/login");
    }
    redirect("/");
  });
  const email = form.get("email");
  return { ...result, email: typeof email === "string" ? email.slice(0, 254) : undefined };
}
