"use server";

import { runAction, type ActionState } from "@/lib/auth/action-state";
import { requireActor } from "@/lib/auth/actor";
import { setSessionCookie } from "@/lib/auth/cookies";
import { changeOwnPassword } from "@/lib/auth/users";
import { UserInputError } from "@/lib/auth/validation";

export async function changeOwnPasswordAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  return runAction(async () => {
    const actor = await requireActor("viewer");
    if (form.get("password") !== form.get("confirm")) throw new UserInputError("The new passwords do not match.", "confirm");
    const session = await changeOwnPassword(actor, form.get("current"), form.get("password"));
    await setSessionCookie(session);
    return "Password changed. Your other sessions were signed out.";
  });
}
