"use client";

import { useActionState } from "react";
import { firstError } from "@/lib/http/field-errors";
import { signIn, type SignInResult } from "./actions";
import { FormError, Input } from "@/components/ui/field";
import { Button } from "@/components/ui/button";

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SignInResult | null, FormData>(signIn, null);
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="next" value={next} />
      <label className="block space-y-1 text-sm">
        <span>E-mail address</span>
        <Input name="email" type="email" autoComplete="username" required maxLength={254} defaultValue={state?.email} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Password</span>
        <Input name="password" type="password" autoComplete="current-password" required maxLength={256} />
      </label>
      <FormError message={firstError(state)} />
      <Button type="submit" disabled={pending} variant="primary">
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
