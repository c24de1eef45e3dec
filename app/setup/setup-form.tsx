"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/action-state";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { createFirstAdminAction } from "./actions";
import { FormError, Input } from "@/components/ui/field";
import { Button } from "@/components/ui/button";

export function SetupForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createFirstAdminAction, {});
  return (
    <form action={action} className="space-y-4">
      <label className="block space-y-1 text-sm">
        <span>Admin e-mail address</span>
        <Input name="email" type="email" autoComplete="username" required maxLength={254} defaultValue={state.email} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Password (at least {PASSWORD_MIN} characters)</span>
        <Input name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN} maxLength={256} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Repeat the password</span>
        <Input name="confirm" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN} maxLength={256} />
      </label>
      <FormError message={state.error} />
      <Button type="submit" disabled={pending} variant="primary">
        {pending ? "Creating…" : "Create admin account"}
      </Button>
    </form>
  );
}
