"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { FormError, Input } from "@/components/ui/field";
import { saveHealthPolicyAction } from "@/lib/health/actions";
import type { HealthPolicyView } from "@/lib/stats/dashboard";

const FIELDS: Array<[keyof Omit<HealthPolicyView, "enabled">, string, string]> = [
  ["maxConsecutiveFailures", "Eject after failures in a row", "1"],
  ["max502504Rate", "…or a 502/504 rate of (0–1)", "0.01"],
  ["windowMinutes", "over minutes", "1"],
  ["minSamples", "with at least results", "1"],
  ["readmitAfterSuccesses", "Re-admit after successes in a row", "1"],
  ["backoffBaseSeconds", "Re-test backoff from (s)", "1"],
  ["backoffMaxSeconds", "up to (s)", "1"],
];

/** A pool's automatic-health policy (operators only). Saving with "on" starts ejection/re-admission for the pool. */
export function HealthPolicyForm({ poolId, policy }: { poolId: string; policy: HealthPolicyView }) {
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (input: Record<string, unknown>) => saveHealthPolicyAction({ poolId, policy: input }),
    onSuccess: async (result) => {
      setSaved(result.ok);
      await queryClient.invalidateQueries({ queryKey: ["stats"] });
    },
  });
  const current = policy;
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    save.mutate({ enabled: form.get("enabled") === "on", ...Object.fromEntries(FIELDS.map(([name]) => [name, String(form.get(name))])) });
  }
  const errors = save.data && !save.data.ok ? save.data.fieldErrors : undefined;
  return (
    <form key={JSON.stringify(current)} onSubmit={submit} className="space-y-2 text-sm" aria-label="Automatic health policy">
      <FormError message={errors?.form ?? (errors ? Object.values(errors)[0] : undefined)} />
      <label className="flex items-center gap-2">
        <input type="checkbox" name="enabled" defaultChecked={current.enabled} /> Eject failing nodes of this pool automatically and re-admit them when they recover
      </label>
      <div className="grid grid-cols-2 gap-2 md:grid-cols-4 xl:grid-cols-7">
        {FIELDS.map(([name, label, step]) => (
          <label key={name} className="block text-xs text-zinc-500">
            {label}
            <Input name={name} type="number" step={step} min={0} defaultValue={current[name]} />
          </label>
        ))}
      </div>
      <div className="flex items-center gap-2">
        <Button type="submit" size="sm" variant="primary" disabled={save.isPending}>
          Save policy
        </Button>
        {saved && !save.isPending && <span className="text-xs text-emerald-700 dark:text-emerald-400">Saved.</span>}
      </div>
    </form>
  );
}
