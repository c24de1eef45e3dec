"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/actor";
import { changeUserRole, createUser, resetUserPassword, setUserDisabled } from "@/lib/auth/users";
import type { FormResult, FormState } from "@/lib/http/field-errors";
import { guardedAction } from "@/lib/http/guarded-action";

export async function createUserAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("createUser", async () => {
    const actor = await requireActor("admin");
    const user = await createUser(actor, { email: form.get("email"), password: form.get("password"), role: form.get("role") });
    revalidatePath("/settings/users");
    return { ok: true, message: `Created ${user.email} (${user.role}). Hand them the initial password over a safe channel.` };
  });
}

export async function changeRoleAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("changeRole", async () => {
    const actor = await requireActor("admin");
    await changeUserRole(actor, form.get("userId"), form.get("role"));
    revalidatePath("/settings/users");
    return { ok: true };
  });
}

export async function setDisabledAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("setDisabled", async () => {
    const actor = await requireActor("admin");
    await setUserDisabled(actor, form.get("userId"), form.get("disabled") === "true");
    revalidatePath("/settings/users");
    return { ok: true };
  });
}

export async function resetPasswordAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("resetPassword", async () => {
    const actor = await requireActor("admin");
    await resetUserPassword(actor, form.get("userId"), form.get("password"));
    return { ok: true, message: "Password set; their sessions were ended." };
  });
}
