"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/http/field-errors";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { changeOwnPasswordAction } from "./password-actions";
import { Input } from "@/components/ui/field";
import { ActionOutcome } from "@/components/ui/action-outcome";
import { Button } from "@/components/ui/button";

export function ChangePasswordForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(changeOwnPasswordAction, null);
  return (
    <form action={action} className="max-w-sm space-y-3">
      <label className="block space-y-1 text-sm">
        <span>Current password</span>
        <Input name="current" type="password" required maxLength={256} autoComplete="current-password" />
      </label>
      <label className="block space-y-1 text-sm">
        <span>New password (at least {PASSWORD_MIN} characters)</span>
        <Input name="password" type="password" required minLength={PASSWORD_MIN} maxLength={256} autoComplete="new-password" />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Repeat the new password</span>
        <Input name="confirm" type="password" required minLength={PASSWORD_MIN} maxLength={256} autoComplete="new-password" />
      </label>
      <ActionOutcome state={state} />
      <Button type="submit" disabled={pending} variant="primary">Change password</Button>
    </form>
  );
}
