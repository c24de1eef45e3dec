"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/action-state";
import { ROLES, type Role } from "@/lib/auth/roles";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { changeRoleAction, createUserAction, resetPasswordAction, setDisabledAction } from "./actions";
import { FormError, Input, Select } from "@/components/ui/field";
import { Button } from "@/components/ui/button";

function Feedback({ state }: { state: ActionState }) {
  if (state.error) return <FormError message={state.error} />;
  if (state.message) return <p role="status" className="text-sm text-green-700 dark:text-green-400">{state.message}</p>;
  return null;
}

export function CreateUserForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createUserAction, {});
  return (
    <form action={action} className="grid max-w-3xl grid-cols-1 items-end gap-3 md:grid-cols-[2fr_2fr_1fr_auto]">
      <label className="space-y-1 text-sm">
        <span>E-mail address</span>
        <Input name="email" type="email" required maxLength={254} autoComplete="off" />
      </label>
      <label className="space-y-1 text-sm">
        <span>Initial password (≥ {PASSWORD_MIN} characters)</span>
        <Input name="password" type="password" required minLength={PASSWORD_MIN} maxLength={256} autoComplete="new-password" />
      </label>
      <label className="space-y-1 text-sm">
        <span>Role</span>
        <Select name="role" defaultValue="viewer" aria-label="Role">
          {ROLES.map((role) => (
            <option key={role} value={role}>{role}</option>
          ))}
        </Select>
      </label>
      <Button type="submit" disabled={pending} variant="primary">Create user</Button>
      <div className="md:col-span-4"><Feedback state={state} /></div>
    </form>
  );
}

export function RoleForm({ userId, role, email }: { userId: string; role: Role; email: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(changeRoleAction, {});
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="userId" value={userId} />
      <select name="role" defaultValue={role} aria-label={`Role of ${email}`} className="rounded border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-900">
        {ROLES.map((option) => (
          <option key={option} value={option}>{option}</option>
        ))}
      </select>
      <Button type="submit" disabled={pending} variant="secondary" size="sm">Change role</Button>
      <Feedback state={state} />
    </form>
  );
}

export function DisableForm({ userId, disabled, email }: { userId: string; disabled: boolean; email: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(setDisabledAction, {});
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!disabled && !confirm(`Disable ${email}? Their sessions end at once.`)) event.preventDefault();
      }}
      className="flex items-center gap-2"
    >
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="disabled" value={disabled ? "false" : "true"} />
      <Button type="submit" disabled={pending} variant="secondary" size="sm">{disabled ? "Enable" : "Disable"}</Button>
      <Feedback state={state} />
    </form>
  );
}

export function ResetPasswordForm({ userId, email }: { userId: string; email: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(resetPasswordAction, {});
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="userId" value={userId} />
      <input
        name="password"
        type="password"
        required
        minLength={PASSWORD_MIN}
        maxLength={256}
        autoComplete="new-password"
        placeholder="New password"
        aria-label={`New password for ${email}`}
        className="w-36 rounded border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-900"
      />
      <Button type="submit" disabled={pending} variant="secondary" size="sm">Set password</Button>
      <Feedback state={state} />
    </form>
  );
}
