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
import { probeQueryKeys, usePoolProbeSettingsQuery, useProbeRunQuery, useProbeTargetsQuery } from "@/lib/probe/use-probe-queries";
import { resultsHref } from "@/lib/stats/result-list-schema";
import { useResultListQuery } from "@/lib/stats/use-result-queries";

export type TestTarget = { nodeIds: string[] } | { filter: Record<string, string> };

/**
 * "Test now": choose targets (pre-selected from the pool's schedule when the nodes are one pool's),
 * start a run, watch its progress and failed share, see which nodes failed and why, cancel it.
 */
export function TestNowDialog({ target, count, poolId, onClose }: { target: TestTarget; count: number; poolId?: string; onClose: () => void }) {
  const targets = useProbeTargetsQuery();
  const schedule = usePoolProbeSettingsQuery(poolId ?? null);
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const run = useProbeRunQuery(runId);
  // The pool's scheduled targets, else the only target; otherwise the operator picks (no silent default).
  const scheduled = (schedule.data?.targetIds ?? []).filter((id) => targets.data?.some((t) => t.id === id));
  const selected = chosen ?? new Set(scheduled.length > 0 ? scheduled : targets.data?.length === 1 ? [targets.data[0].id] : []);

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
          {selected.size === 0 && targets.data && targets.data.length > 0 && (
            <p className="text-xs text-zinc-500" data-testid="test-now-hint">
              Choose at least one target to test against{poolId ? " (this pool has no scheduled targets yet)" : ""}.
            </p>
          )}
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
          <RunProgress total={view?.total ?? 0} done={view?.done ?? 0} ok={view?.countsByClass.ok ?? 0} />
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
          {runId && view && <FailedNodes runId={runId} expected={view.done - (view.countsByClass.ok ?? 0)} />}
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

/** Done share with its failed part in red: "how bad" is visible before the run ends. */
function RunProgress({ total, done, ok }: { total: number; done: number; ok: number }) {
  const failed = done - ok;
  const part = (n: number) => `${total > 0 ? (100 * n) / total : 0}%`;
  return (
    <div>
      <div
        className="flex h-2.5 w-full overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
        role="progressbar"
        aria-label="Probe run progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} checks, ${failed} failed`}
      >
        <div className="bg-emerald-500" style={{ width: part(ok) }} />
        <div className="bg-red-500" style={{ width: part(failed) }} data-testid="failed-share" />
      </div>
      <p className="mt-1 text-xs text-zinc-500 tabular-nums">
        {ok} ok · {failed} failed{done > 0 ? ` (${Math.round((100 * failed) / done)} % of checks done)` : ""}
      </p>
    </div>
  );
}

/**
 * The nodes that failed in this run, each with its class and reason. Polls until it lists as many
 * failures as the run counted (results are stored in batches, a moment after they are counted).
 */
function FailedNodes({ runId, expected }: { runId: string; expected: number }) {
  const failures = useResultListQuery({ runId, bucket: "failed", limit: "200" }, { refetchInterval: (rows) => (rows < Math.min(expected, 200) ? 1_000 : false) });
  const rows = failures.data?.rows ?? [];
  if (rows.length === 0) return null;
  return (
    <div className="space-y-1">
      <h3 className="text-sm font-medium">Failed ({rows.length}{failures.data?.nextBefore ? "+" : ""})</h3>
      <ul className="max-h-48 space-y-1 overflow-y-auto text-xs" aria-label="Failed nodes">
        {rows.map((r) => (
          <li key={r.id} className="flex flex-wrap items-center gap-1" data-fault-class={r.faultClass}>
            <Link href={`/nodes/${r.nodeId}`} className="font-mono text-blue-700 hover:underline dark:text-blue-400">
              {r.nodeName}
            </Link>
            <span className="text-zinc-500">→ {r.targetName}</span>
            <FaultClassBadge faultClass={r.faultClass} bucket={r.bucket} />
            <span className="text-zinc-600 dark:text-zinc-400">{r.reason}</span>
          </li>
        ))}
      </ul>
      <Link href={resultsHref({ runId })} className="text-xs text-blue-700 underline dark:text-blue-400">
        All results of this run
      </Link>
    </div>
  );
}
