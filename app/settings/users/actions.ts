"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionState } from "@/lib/auth/action-state";
import { requireActor } from "@/lib/auth/actor";
import { changeUserRole, createUser, resetUserPassword, setUserDisabled } from "@/lib/auth/users";

export async function createUserAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
    const actor = await requireActor("admin");
    const user = await createUser(actor, { email: form.get("email"), password: form.get("password"), role: form.get("role") });
    return `Created ${user.email} (${user.role}). Hand them the initial password over a safe channel.`;
  });
  if (state.ok) revalidatePath("/settings/users");
  return state;
}

export async function changeRoleAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
    const actor = await requireActor("admin");
    await changeUserRole(actor, form.get("userId"), form.get("role"));
  });
  if (state.ok) revalidatePath("/settings/users");
  return state;
}

export async function setDisabledAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
    const actor = await requireActor("admin");
    await setUserDisabled(actor, form.get("userId"), form.get("disabled") === "true");
  });
  if (state.ok) revalidatePath("/settings/users");
  return state;
}

export async function resetPasswordAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  return runAction(async () => {
    const actor = await requireActor("admin");
    await resetUserPassword(actor, form.get("userId"), form.get("password"));
    return "Password set; their sessions were ended.";
  });
}
