"use server";

import { redirect } from "next/navigation";
import { runAction, type ActionState } from "@/lib/auth/action-state";
import { requestMeta, setSessionCookie } from "@/lib/auth/cookies";
import { createFirstAdmin, SetupClosedError } from "@/lib/auth/users";
import { UserInputError } from "@/lib/auth/validation";
import { enforceRateLimit, SETUP_PER_IP } from "@/lib/rate-limit/rate-limit";

/** Creates the first admin and signs them in; refused (→ /login) once any account exists. */
export async function createFirstAdminAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  let closed = false;
  const state = await runAction(async () => {
    const meta = await requestMeta();
    await enforceRateLimit(SETUP_PER_IP, meta.ip);
    if (form.get("password") !== form.get("confirm")) throw new UserInputError("The passwords do not match.", "confirm");
    try {
      const { session } = await createFirstAdmin({ email: form.get("email"), password: form.get("password") }, { ...meta, via: "/setup" });
      await setSessionCookie(session);
    } catch (error) {
      if (!(error instanceof SetupClosedError)) throw error;
      closed = true;
    }
  });
  if (closed) redirect("/login");
  if (state.ok) redirect("/");
  const email = form.get("email");
  return { ...state, email: typeof email === "string" ? email.slice(0, 254) : undefined };
}
