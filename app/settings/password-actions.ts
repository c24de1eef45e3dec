"use server";

import { requireActor } from "@/lib/auth/actor";
import { setSessionCookie } from "@/lib/auth/cookies";
import { changeOwnPassword } from "@/lib/auth/users";
import { UserInputError } from "@/lib/auth/validation";
import type { FormResult, FormState } from "@/lib/http/field-errors";
import { guardedAction } from "@/lib/http/guarded-action";

export async function changeOwnPasswordAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("changeOwnPassword", async () => {
    const actor = await requireActor("viewer");
    if (form.get("password") !== form.get("confirm")) throw new UserInputError("The new passwords do not match.", "confirm");
    const session = await changeOwnPassword(actor, form.get("current"), form.get("password"));
    await setSessionCookie(session);
    return { ok: true, message: "Password changed. Your other sessions were signed out." };
  });
}
