"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/action-state";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { buttonClass, inputClass } from "@/app/login/styles";
import { changeOwnPasswordAction } from "./password-actions";
import { FormError } from "@/components/ui/field";

export function ChangePasswordForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(changeOwnPasswordAction, {});
  return (
    <form action={action} className="max-w-sm space-y-3">
      <label className="block space-y-1 text-sm">
        <span>Current password</span>
        <input name="current" type="password" required maxLength={256} autoComplete="current-password" className={inputClass} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>New password (at least {PASSWORD_MIN} characters)</span>
        <input name="password" type="password" required minLength={PASSWORD_MIN} maxLength={256} autoComplete="new-password" className={inputClass} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Repeat the new password</span>
        <input name="confirm" type="password" required minLength={PASSWORD_MIN} maxLength={256} autoComplete="new-password" className={inputClass} />
      </label>
      <FormError message={state.error} />
      {state.message ? <p role="status" className="text-sm text-green-700 dark:text-green-400">{state.message}</p> : null}
      <button type="submit" disabled={pending} className={buttonClass}>Change password</button>
    </form>
  );
}
