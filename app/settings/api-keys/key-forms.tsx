"use client";

import { useActionState, useState } from "react";
import { firstError, type FormState } from "@/lib/http/field-errors";
import { createApiKeyAction, revokeApiKeyAction, type CreateKeyResult } from "./actions";
import { FormError, Input, Select } from "@/components/ui/field";
import { Button } from "@/components/ui/button";

export function CreateKeyForm({ pools }: { pools: { id: string; name: string }[] }) {
  const [state, action, pending] = useActionState<CreateKeyResult | null, FormData>(createApiKeyAction, null);
  const created = state?.ok ? state : undefined;
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className="space-y-3">
      <form action={action} className="grid max-w-4xl grid-cols-1 items-end gap-3 md:grid-cols-[2fr_1fr_2fr_1fr_auto]">
        <label className="space-y-1 text-sm">
          <span>Name</span>
          <Input name="name" required maxLength={80} placeholder="e.g. scraper-eu" />
        </label>
        <label className="space-y-1 text-sm">
          <span>Scope</span>
          <Select name="scope" defaultValue="read" aria-label="Scope">
            <option value="read">read</option>
            <option value="write">write</option>
            <option value="admin">admin</option>
          </Select>
        </label>
        <label className="space-y-1 text-sm">
          <span>Pool</span>
          <Select name="poolId" defaultValue="" aria-label="Pool">
            <option value="">All pools</option>
            {pools.map((pool) => (
              <option key={pool.id} value={pool.id}>{pool.name}</option>
            ))}
          </Select>
        </label>
        <label className="space-y-1 text-sm">
          <span>Expires (optional)</span>
          <Input name="expiresAt" type="date" />
        </label>
        <Button type="submit" disabled={pending} variant="primary">Create key</Button>
      </form>
      <FormError message={firstError(state)} />
      {created?.key ? (
        <div role="status" className="max-w-4xl space-y-2 rounded border border-green-300 bg-green-50 p-3 text-sm dark:border-green-800 dark:bg-green-950">
          <p>{created.message}</p>
          <div className="flex items-center gap-2">
            <code data-testid="new-api-key" className="break-all rounded bg-white px-2 py-1 font-mono text-xs dark:bg-zinc-900">{created.key}</code>
            <Button
              type="button" variant="secondary" size="sm"
              onClick={() => {
                void navigator.clipboard.writeText(created.key ?? "").then(
                  () => setCopied(created.key ?? null),
                  () => setCopied(null),
                );
              }}
            >
              {copied === created.key ? "Copied" : "Copy"}
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function RevokeKeyForm({ apiKeyId, name }: { apiKeyId: string; name: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(revokeApiKeyAction, null);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!confirm(`Revoke the key "${name}"? Requests using it fail at once.`)) event.preventDefault();
      }}
      className="flex items-center gap-2"
    >
      <input type="hidden" name="apiKeyId" value={apiKeyId} />
      <Button type="submit" disabled={pending} variant="secondary" size="sm">Revoke</Button>
      {firstError(state) ? <span role="alert" className="text-xs text-red-700 dark:text-red-400">{firstError(state)}</span> : null}
    </form>
  );
}
