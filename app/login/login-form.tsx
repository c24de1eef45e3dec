"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/action-state";
import { signIn } from "./actions";
import { buttonClass, inputClass } from "./styles";
import { FormError } from "@/components/ui/field";

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(signIn, {});
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="next" value={next} />
      <label className="block space-y-1 text-sm">
        <span>E-mail address</span>
        <input name="email" type="email" autoComplete="username" required maxLength={254} defaultValue={state.email} className={inputClass} />
      </label>
      <label className="block space-y-1 text-sm">
        <span>Password</span>
        <input name="password" type="password" autoComplete="current-password" required maxLength={256} className={inputClass} />
      </label>
      <FormError message={state.error} />
      <button type="submit" disabled={pending} className={buttonClass}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
