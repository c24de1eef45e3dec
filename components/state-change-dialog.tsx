"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Input } from "@/components/ui/field";

export type NodeStateName = "ENABLED" | "DRAINING" | "DISABLED";

export const STATE_VERB = { ENABLED: "Enable", DRAINING: "Drain", DISABLED: "Disable" } as const;
export const STATE_PAST = { ENABLED: "Enabled", DRAINING: "Drained", DISABLED: "Disabled" } as const;
const STATE_HELP = {
  ENABLED: "The nodes take new work again.",
  DRAINING: "The nodes finish what they have in flight and take no new work.",
  DISABLED: "The nodes take no work at all until enabled.",
} as const;

/**
 * Confirms an enable / drain / disable of one or many nodes, naming them (`names`, when known),
 * with the reason field (required to disable). Used by the nodes table and the node page.
 */
export function StateChangeDialog({
  state,
  count,
  names,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  state: NodeStateName;
  count: number;
  names?: string[];
  pending: boolean;
  error?: Record<string, string>;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string>();
  const noun = `${count} node${count === 1 ? "" : "s"}`;
  return (
    <Dialog open onOpenChange={(open) => !open && onCancel()} title={`${STATE_VERB[state]} ${noun}?`} description={STATE_HELP[state]}>
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (state === "DISABLED" && reason.trim() === "") return setLocalError("Say why the node is disabled.");
          onConfirm(reason);
        }}
      >
        {names && names.length > 0 && (
          <ul className="max-h-32 overflow-y-auto rounded border border-zinc-200 px-2 py-1 font-mono text-xs dark:border-zinc-800" aria-label="Nodes to change">
            {names.slice(0, 20).map((name) => (
              <li key={name}>{name}</li>
            ))}
            {names.length > 20 && <li className="text-zinc-500">… and {names.length - 20} more</li>}
          </ul>
        )}
        <FormError message={error?.form ?? error?.nodeIds} />
        <Field id="state-reason" label={state === "DISABLED" ? "Reason (required)" : "Reason (optional)"} error={localError ?? error?.reason}>
          <Input id="state-reason" value={reason} onChange={(event) => setReason(event.target.value)} placeholder="e.g. 502 storm since 03:10" autoFocus />
        </Field>
        <div className="flex justify-end gap-2">
          <Button onClick={onCancel}>Cancel</Button>
          <Button type="submit" variant={state === "DISABLED" ? "danger" : "primary"} disabled={pending}>
            {pending ? "Working…" : `${STATE_VERB[state]} ${noun}`}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
