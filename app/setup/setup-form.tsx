"use client";

import { useActionState } from "react";
import { firstError } from "@/lib/http/field-errors";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { createFirstAdminAction, type SetupResult } from "./actions";
import { FormError, Input } from "@/components/ui/field";
import { Button } from "@/components/ui/button";

export function SetupForm() {
  const [state, action, pending] = useActionState<SetupResult | null, FormData>(createFirstAdminAction, null);
  return (
    <form action={action} className="space-y-4">
      <label className="block space-y-1 text-sm">
        <span>Admin e-mail address</span>
        <Input name="email" type="email" autoComplete="username" required maxLength={254} defaultValue={state?.email} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Password (at least {PASSWORD_MIN} characters)</span>
        <Input name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN} maxLength={256} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Repeat the password</span>
        <Input name="confirm" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN} maxLength={256} />
      </label>
      <FormError message={firstError(state)} />
      <Button type="submit" disabled={pending} variant="primary">
        {pending ? "Creating…" : "Create admin account"}
      </Button>
    </form>
  );
}
