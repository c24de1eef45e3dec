"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { FaultClassBadge } from "@/components/fault-class-badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/field";
import { cancelProbeRunAction, startProbeRunAction } from "@/lib/probe/actions";
import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { probeQueryKeys, useProbeRunQuery, useProbeTargetsQuery } from "@/lib/probe/use-probe-queries";

export type TestTarget = { nodeIds: string[] } | { filter: Record<string, string> };

/** "Test now": choose targets, start a run, watch its progress by fault class, cancel it. */
export function TestNowDialog({ target, count, onClose }: { target: TestTarget; count: number; onClose: () => void }) {
  const targets = useProbeTargetsQuery();
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const run = useProbeRunQuery(runId);
  // With one target the choice is obvious; with several the operator picks (no silent default).
  const selected = chosen ?? new Set(targets.data?.length === 1 ? [targets.data[0].id] : []);

  const start = useMutation({
    mutationFn: startProbeRunAction,
    onSuccess: (result) => result.ok && setRunId(result.id),
  });
  const cancel = useMutation({ mutationFn: cancelProbeRunAction });
  const view = run.data;
  const running = view?.status === "running";

  function close() {
    void queryClient.invalidateQueries({ queryKey: ["nodes"] });
    if (runId) void queryClient.invalidateQueries({ queryKey: probeQueryKeys.run(runId) });
    onClose();
  }

  const noun = `${count} node${count === 1 ? "" : "s"}`;
  return (
    <Dialog open onOpenChange={(open) => !open && close()} title={`Test ${noun} now`} description="Sends real requests through each node to the chosen targets and records the outcome.">
      {!runId ? (
        <div className="space-y-3">
          <FormError message={start.data && !start.data.ok ? Object.values(start.data.fieldErrors)[0] : undefined} />
          {targets.data?.length === 0 && (
            <p className="text-sm">
              No probe targets yet. <Link href="/targets" className="text-blue-700 underline dark:text-blue-400">Add a target</Link> first.
            </p>
          )}
          <fieldset className="space-y-1">
            <legend className="text-sm font-medium">Targets</legend>
            {targets.data?.map((t) => (
              <label key={t.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={selected.has(t.id)}
                  onChange={(event) => {
                    const next = new Set(selected);
                    if (event.target.checked) next.add(t.id);
                    else next.delete(t.id);
                    setChosen(next);
                  }}
                />
                <span>{t.name || t.url}</span>
                {t.name && <span className="truncate font-mono text-xs text-zinc-500">{t.url}</span>}
              </label>
            ))}
          </fieldset>
          <div className="flex justify-end gap-2">
            <Button onClick={close}>Cancel</Button>
            <Button variant="primary" disabled={start.isPending || selected.size === 0} onClick={() => start.mutate({ target, targetIds: [...selected] })}>
              {start.isPending ? "Starting…" : `Test ${noun}`}
            </Button>
          </div>
        </div>
      ) : (
        <div className="space-y-3" data-testid="probe-run" data-status={view?.status ?? "starting"}>
          <div className="flex items-center justify-between text-sm">
            <span role="status">
              {view ? `${view.done} of ${view.total} checks — ${view.status}` : "Starting…"}
            </span>
            {running && (
              <Button size="sm" variant="danger" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: runId })}>
                Cancel run
              </Button>
            )}
          </div>
          <progress className="h-2 w-full" max={view?.total || 1} value={view?.done ?? 0} aria-label="Probe run progress" />
          {view?.error && <FormError message={view.error} />}
          <ul className="space-y-1 text-sm" aria-label="Results by fault class">
            {Object.entries(view?.countsByClass ?? {})
              .sort((a, b) => b[1] - a[1])
              .map(([faultClass, n]) => {
                const info = FAULT_CLASSES[faultClass as FaultClass];
                return (
                  <li key={faultClass} className="flex items-center gap-2" data-fault-class={faultClass}>
                    <FaultClassBadge faultClass={faultClass} bucket={info?.bucket ?? "other_failure"} />
                    <span className="tabular-nums font-medium">{n}</span>
                    <span className="text-zinc-500">{info?.label}</span>
                  </li>
                );
              })}
          </ul>
          <div className="flex justify-end">
            <Button variant="primary" onClick={close}>
              {running ? "Hide (keeps running)" : "Done"}
            </Button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
