"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Input } from "@/components/ui/field";
import { fieldErrors } from "@/lib/http/field-errors";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { updatePoolAction } from "@/lib/pools/actions";
import type { PoolSummary } from "@/lib/pools/data";
import { poolChangeSchema } from "@/lib/pools/schema";

const NUMBER_FIELDS = [
  { name: "maxAttempts", label: "Attempts per request", hint: "each on another node; 1 = no retries (1–10)" },
  { name: "deadlineMs", label: "Deadline (ms)", hint: "all attempts together, until the first byte (100–300000)" },
  { name: "connectTimeoutMs", label: "Connect timeout (ms)", hint: "per attempt (100–60000)" },
  { name: "firstByteTimeoutMs", label: "First-byte timeout (ms)", hint: "silence allowed per attempt (100–120000)" },
] as const;

/** How the forward-proxy gateway retries for one pool (README: Use the gateway). */
export function PoolGatewayDialog({ pool, onClose }: { pool: PoolSummary; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: updatePoolAction,
    onSuccess: async (result) => {
      if (!result.ok) return setErrors(result.fieldErrors);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
      onClose();
    },
  });
  const settings = pool.proxyGateway;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const change = {
      proxyGateway: {
        ...Object.fromEntries(NUMBER_FIELDS.map(({ name }) => [name, String(form.get(name) ?? "").trim()])),
        retryTargetFailures: form.get("retryTargetFailures") === "on",
        retryNonIdempotent: form.get("retryNonIdempotent") === "on",
      },
    };
    const check = poolChangeSchema.safeParse(change);
    if (!check.success) return setErrors(fieldErrors(check.error));
    setErrors({});
    save.mutate({ id: pool.id, pool: change });
  }

  const error = (name: string) => errors[`proxyGateway.${name}`];
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title={`Gateway retries: ${pool.name}`}
      description="When an attempt fails because of the node or the network (refused, reset, the node's own 502/504, silence), the gateway retries on another node of this pool."
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Gateway retries">
        <FormError message={errors.form ?? errors.proxyGateway} />
        <div className="grid grid-cols-2 gap-2">
          {NUMBER_FIELDS.map(({ name, label, hint }) => (
            <Field key={name} id={`gateway-${name}`} label={label} hint={hint} error={error(name)}>
              <Input
                id={`gateway-${name}`}
                name={name}
                inputMode="numeric"
                defaultValue={settings[name]}
                aria-invalid={error(name) ? true : undefined}
                aria-describedby={error(name) ? `gateway-${name}-error` : undefined}
              />
            </Field>
          ))}
        </div>
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="retryTargetFailures" className="mt-1" defaultChecked={settings.retryTargetFailures} />
          <span>
            Retry the target&apos;s own failures too <span className="text-zinc-500">(its 5xx, blocks; off: passed to the client unchanged, since other nodes usually get the same answer)</span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="retryNonIdempotent" className="mt-1" defaultChecked={settings.retryNonIdempotent} />
          <span>
            Retry POST, PATCH and other non-idempotent requests <span className="text-zinc-500">(off: only when the request never left the gateway)</span>
          </span>
        </label>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            Save gateway settings
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
