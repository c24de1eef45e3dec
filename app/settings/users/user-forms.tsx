"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/http/field-errors";
import { ROLES, type Role } from "@/lib/auth/roles";
import { PASSWORD_MIN } from "@/lib/auth/validation";
import { changeRoleAction, createUserAction, resetPasswordAction, setDisabledAction } from "./actions";
import { Input, Select } from "@/components/ui/field";
import { ActionOutcome } from "@/components/ui/action-outcome";
import { Button } from "@/components/ui/button";

export function CreateUserForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(createUserAction, null);
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
      <div className="md:col-span-4"><ActionOutcome state={state} /></div>
    </form>
  );
}

export function RoleForm({ userId, role, email }: { userId: string; role: Role; email: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(changeRoleAction, null);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="userId" value={userId} />
      <select name="role" defaultValue={role} aria-label={`Role of ${email}`} className="rounded border border-zinc-300 bg-white px-2 py-1 text-xs dark:border-zinc-700 dark:bg-zinc-900">
        {ROLES.map((option) => (
          <option key={option} value={option}>{option}</option>
        ))}
      </select>
      <Button type="submit" disabled={pending} variant="secondary" size="sm">Change role</Button>
      <ActionOutcome state={state} />
    </form>
  );
}

export function DisableForm({ userId, disabled, email }: { userId: string; disabled: boolean; email: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(setDisabledAction, null);
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
      <ActionOutcome state={state} />
    </form>
  );
}

export function ResetPasswordForm({ userId, email }: { userId: string; email: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(resetPasswordAction, null);
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
      <ActionOutcome state={state} />
    </form>
  );
}
