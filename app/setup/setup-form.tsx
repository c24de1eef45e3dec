"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/action-state";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { buttonClass, inputClass } from "@/app/login/styles";
import { createFirstAdminAction } from "./actions";
import { FormError } from "@/components/ui/field";

export function SetupForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createFirstAdminAction, {});
  return (
    <form action={action} className="space-y-4">
      <label className="block space-y-1 text-sm">
        <span>Admin e-mail address</span>
        <input name="email" type="email" autoComplete="username" required maxLength={254} defaultValue={state.email} className={inputClass} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Password (at least {PASSWORD_MIN} characters)</span>
        <input name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN} maxLength={256} className={inputClass} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Repeat the password</span>
        <input name="confirm" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN} maxLength={256} className={inputClass} />
      </label>
      <FormError message={state.error} />
      <button type="submit" disabled={pending} className={buttonClass}>
        {pending ? "Creating…" : "Create admin account"}
      </button>
    </form>
  );
}
