"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { Field, FormError, Input } from "@/components/ui/field";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { fieldErrors } from "@/lib/http/field-errors";
import { createProbeTargetAction, deleteProbeTargetAction } from "@/lib/probe/actions";
import { probeTargetSchema } from "@/lib/probe/schema";
import { probeQueryKeys, useProbeTargetsQuery } from "@/lib/probe/use-probe-queries";

/** The URLs Switchyard requests through nodes when it tests them. */
export function TargetsView() {
  const targets = useProbeTargetsQuery();
  const queryClient = useQueryClient();
  const canOperate = useCurrentUser().can("operator");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: probeQueryKeys.targets });

  const create = useMutation({
    mutationFn: createProbeTargetAction,
    onSuccess: async (result) => {
      if (!result.ok) return setErrors(result.fieldErrors);
      setErrors({});
      await refresh();
    },
  });
  const remove = useMutation({ mutationFn: deleteProbeTargetAction, onSuccess: refresh });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const input = {
      url: String(form.get("url")),
      name: String(form.get("name") ?? ""),
      expectedStatus: String(form.get("expectedStatus") ?? ""),
      firstByteTimeoutMs: String(form.get("firstByteTimeoutMs") ?? ""),
      totalTimeoutMs: String(form.get("totalTimeoutMs") ?? ""),
    };
    const check = probeTargetSchema.safeParse(input);
    if (!check.success) return setErrors(fieldErrors(check.error));
    create.mutate(input, { onSuccess: (result) => result.ok && formElement.reset() });
  }

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Probe targets</h1>
      <p className="max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
        Switchyard tests a node by requesting these URLs through it. Use pages your traffic really goes to, plus an IP-echo
        endpoint so the exit address is recorded. Only http and https URLs, without credentials.
      </p>
      <form onSubmit={submit} noValidate hidden={!canOperate} className="grid grid-cols-1 items-end gap-2 sm:grid-cols-2 lg:grid-cols-[1fr_12rem_8rem_8rem_8rem_auto] rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900" aria-label="Add target">
        <Field id="target-url" label="URL" error={errors.url}>
          <Input id="target-url" name="url" placeholder="https://example.com/health" aria-invalid={errors.url ? true : undefined} />
        </Field>
        <Field id="target-name" label="Name" error={errors.name}>
          <Input id="target-name" name="name" />
        </Field>
        <Field id="target-status" label="Expected status" error={errors.expectedStatus}>
          <Input id="target-status" name="expectedStatus" inputMode="numeric" placeholder="any 2xx/3xx" />
        </Field>
        <Field id="target-first-byte" label="1st byte (ms)" error={errors.firstByteTimeoutMs}>
          <Input id="target-first-byte" name="firstByteTimeoutMs" inputMode="numeric" placeholder="pool's" />
        </Field>
        <Field id="target-total" label="Total (ms)" error={errors.totalTimeoutMs}>
          <Input id="target-total" name="totalTimeoutMs" inputMode="numeric" placeholder="pool's" />
        </Field>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          Add target
        </Button>
        <div className="col-span-6">
          <FormError message={errors.form} />
        </div>
      </form>
      <DataTable label="Probe targets" columns={["Name", "URL", "Expected", "Timeouts", { label: "", hidden: !canOperate }]} isEmpty={targets.data?.length === 0} emptyText="No targets yet.">
        {targets.data?.map((t) => (
          <tr key={t.id}>
            <td>{t.name || "—"}</td>
            <td className="font-mono text-xs">{t.url}</td>
            <td>{t.expectedStatus ?? "2xx/3xx"}</td>
            <td className="text-zinc-600 dark:text-zinc-400">
              {t.firstByteTimeoutMs || t.totalTimeoutMs ? `1st byte ${t.firstByteTimeoutMs ?? "pool's"} ms, total ${t.totalTimeoutMs ?? "pool's"} ms` : "pool's"}
            </td>
            <td className={canOperate ? "text-right" : "hidden"}>
              <Button size="sm" variant="ghost" onClick={() => confirm(`Delete target ${t.url}? Its results go too.`) && remove.mutate({ id: t.id })}>
                Delete
              </Button>
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
