"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Input } from "@/components/ui/field";
import { fieldErrors } from "@/lib/http/field-errors";
import { savePoolProbeSettingsAction } from "@/lib/probe/actions";
import type { PoolProbeSettingsView } from "@/lib/probe/data";
import { poolProbeSettingsSchema } from "@/lib/probe/schema";
import { probeQueryKeys, usePoolProbeSettingsQuery, useProbeTargetsQuery } from "@/lib/probe/use-probe-queries";

/** The pool's schedule: how often the worker tests its nodes, against which targets, with which timeouts. */
export function PoolProbingDialog({ pool, onClose }: { pool: { id: string; name: string }; onClose: () => void }) {
  const settings = usePoolProbeSettingsQuery(pool.id);
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title={`Scheduled probing: ${pool.name}`} description="The worker tests every enabled or draining node of this pool on this schedule (± 10 % jitter).">
      {settings.data ? <ProbingForm settings={settings.data} onClose={onClose} /> : <p className="text-sm text-zinc-500">Loading…</p>}
    </Dialog>
  );
}

function ProbingForm({ settings, onClose }: { settings: PoolProbeSettingsView; onClose: () => void }) {
  const targets = useProbeTargetsQuery();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: savePoolProbeSettingsAction,
    onSuccess: async (result) => {
      if (!result.ok) return setErrors(result.fieldErrors);
      await queryClient.invalidateQueries({ queryKey: probeQueryKeys.poolSettings(settings.poolId) });
      onClose();
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      poolId: settings.poolId,
      enabled: form.get("enabled") === "on",
      intervalSeconds: String(form.get("intervalSeconds")),
      connectTimeoutMs: String(form.get("connectTimeoutMs")),
      firstByteTimeoutMs: String(form.get("firstByteTimeoutMs")),
      totalTimeoutMs: String(form.get("totalTimeoutMs")),
      targetIds: form.getAll("targetIds").map(String),
      maxBackoffSeconds: String(form.get("maxBackoffSeconds")),
    };
    const check = poolProbeSettingsSchema.safeParse(input);
    if (!check.success) return setErrors(fieldErrors(check.error));
    setErrors({});
    save.mutate(input);
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <FormError message={errors.form} />
      <label className="flex items-center gap-2 text-sm font-medium">
        <input type="checkbox" name="enabled" defaultChecked={settings.enabled} /> Probe this pool on a schedule
      </label>
      <div className="grid grid-cols-2 gap-2">
        <Field id="probe-interval" label="Every (seconds)" error={errors.intervalSeconds}>
          <Input id="probe-interval" name="intervalSeconds" inputMode="numeric" defaultValue={settings.intervalSeconds} />
        </Field>
        <Field id="probe-connect" label="Connect timeout (ms)" error={errors.connectTimeoutMs}>
          <Input id="probe-connect" name="connectTimeoutMs" inputMode="numeric" defaultValue={settings.connectTimeoutMs} />
        </Field>
        <Field id="probe-first-byte" label="First-byte timeout (ms)" error={errors.firstByteTimeoutMs}>
          <Input id="probe-first-byte" name="firstByteTimeoutMs" inputMode="numeric" defaultValue={settings.firstByteTimeoutMs} />
        </Field>
        <Field id="probe-total" label="Total timeout (ms)" error={errors.totalTimeoutMs}>
          <Input id="probe-total" name="totalTimeoutMs" inputMode="numeric" defaultValue={settings.totalTimeoutMs} />
        </Field>
        <Field id="probe-max-backoff" label="Failing nodes: re-test at least every (seconds)" error={errors.maxBackoffSeconds}>
          <Input id="probe-max-backoff" name="maxBackoffSeconds" inputMode="numeric" defaultValue={settings.maxBackoffSeconds} />
        </Field>
      </div>
      <fieldset>
        <legend className="text-sm font-medium">Targets</legend>
        {errors.targetIds && (
          <p role="alert" className="text-xs text-red-600">
            {errors.targetIds}
          </p>
        )}
        {targets.data?.map((t) => (
          <label key={t.id} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="targetIds" value={t.id} defaultChecked={settings.targetIds.includes(t.id)} />
            {t.name || t.url}
          </label>
        ))}
        {targets.data?.length === 0 && <p className="text-sm text-zinc-500">No targets yet: add some on the Targets page.</p>}
      </fieldset>
      <div className="flex justify-end gap-2">
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          Save schedule
        </Button>
      </div>
    </form>
  );
}
