"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError, Input, Select } from "@/components/ui/field";
import { createNodeAction, updateNodeAction } from "@/lib/nodes/actions";
import { createNodeSchema, splitTags, updateNodeSchema } from "@/lib/nodes/schema";
import { fieldErrors } from "@/lib/http/field-errors";
import type { NodeDetail } from "@/lib/nodes/data";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { usePoolsQuery } from "@/lib/nodes/use-node-queries";

/** Create or edit one node. Validates in the browser with the server's own schema, then again on the server. */
export function NodeForm({ node, onDone }: { node?: NodeDetail; onDone: () => void }) {
  const queryClient = useQueryClient();
  const pools = usePoolsQuery();
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = useMutation({
    mutationFn: async (input: Record<string, unknown>) => (node ? updateNodeAction({ ...input, id: node.id }) : createNodeAction(input)),
    onSuccess: async (result) => {
      if (!result.ok) return setErrors(result.fieldErrors);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
      onDone();
    },
    onError: () => setErrors({ form: "The server could not be reached; nothing was saved." }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      scheme: String(form.get("scheme")),
      host: String(form.get("host")),
      port: String(form.get("port")),
      username: String(form.get("username") ?? ""),
      password: String(form.get("password") ?? ""),
      label: String(form.get("label") ?? ""),
      tags: splitTags(String(form.get("tags") ?? "")),
      poolIds: form.getAll("poolIds").map(String),
      clearPassword: form.get("clearPassword") === "on",
    };
    const check = (node ? updateNodeSchema : createNodeSchema).safeParse(node ? { ...input, id: node.id } : input);
    if (!check.success) return setErrors(fieldErrors(check.error));
    setErrors({});
    save.mutate(input);
  }

  const invalid = (field: string) => (errors[field] ? { "aria-invalid": true, "aria-describedby": `node-${field}-error` } : {});

  return (
    <form onSubmit={submit} noValidate className="space-y-3" aria-label={node ? "Edit node" : "Add node"}>
      <FormError message={errors.form} />
      <div className="grid grid-cols-[7rem_1fr_6rem] gap-2">
        <Field id="node-scheme" label="Scheme" error={errors.scheme}>
          <Select id="node-scheme" name="scheme" defaultValue={node?.scheme ?? "http"} {...invalid("scheme")}>
            <option value="http">http</option>
            <option value="https">https</option>
            <option value="socks5">socks5</option>
          </Select>
        </Field>
        <Field id="node-host" label="Host" error={errors.host}>
          <Input id="node-host" name="host" defaultValue={node?.host} placeholder="203.0.113.7 or proxy.example.com" autoComplete="off" {...invalid("host")} />
        </Field>
        <Field id="node-port" label="Port" error={errors.port}>
          <Input id="node-port" name="port" inputMode="numeric" defaultValue={node?.port} placeholder="8080" {...invalid("port")} />
        </Field>
      </div>
      <div className="grid grid-cols-2 gap-2">
        <Field id="node-username" label="User name (optional)" error={errors.username}>
          <Input id="node-username" name="username" defaultValue={node?.username} autoComplete="off" {...invalid("username")} />
        </Field>
        <Field id="node-password" label="Password (optional)" error={errors.password} hint={node?.hasPassword ? "Leave empty to keep the stored password." : undefined}>
          <Input id="node-password" name="password" type="password" autoComplete="new-password" {...invalid("password")} />
        </Field>
      </div>
      {node?.hasPassword && (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="clearPassword" /> Remove the stored password
        </label>
      )}
      <Field id="node-label" label="Label" error={errors.label}>
        <Input id="node-label" name="label" defaultValue={node?.label} placeholder="e.g. eu-residential-12" {...invalid("label")} />
      </Field>
      <Field id="node-tags" label="Tags" error={errors.tags ?? Object.entries(errors).find(([k]) => k.startsWith("tags."))?.[1]} hint="Separated by spaces or commas.">
        <Input id="node-tags" name="tags" defaultValue={node?.tags.join(" ")} placeholder="eu residential" />
      </Field>
      {pools.data && pools.data.length > 0 && (
        <fieldset>
          <legend className="text-sm font-medium">Pools</legend>
          <div className="mt-1 flex flex-wrap gap-3">
            {pools.data.map((pool) => (
              <label key={pool.id} className="flex items-center gap-1.5 text-sm">
                <input type="checkbox" name="poolIds" value={pool.id} defaultChecked={node?.pools.some((p) => p.id === pool.id)} />
                {pool.name}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div className="flex justify-end gap-2 pt-2">
        <Button onClick={onDone}>Cancel</Button>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : node ? "Save changes" : "Add node"}
        </Button>
      </div>
    </form>
  );
}
