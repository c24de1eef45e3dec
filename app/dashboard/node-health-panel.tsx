"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { HealthBadge } from "@/components/charts/health-badge";
import { LiveToggle } from "@/components/charts/live-toggle";
import { LazyStackedClassChart } from "@/components/charts/lazy-stacked-class-chart";
import { ms, pct } from "@/components/charts/format";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Input } from "@/components/ui/field";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { pinNodesAction, rotateNodesAction, setRotationUrlAction } from "@/lib/health/actions";
import type { NodePanelData } from "@/lib/stats/node-panel";
import { statsQueryKeys } from "@/lib/stats/query-keys";
import { useNodePanelQuery } from "@/lib/stats/use-stats-queries";
import { STATS_WINDOWS, STATS_WINDOW_NAMES, type StatsWindow } from "@/lib/stats/windows";

/** The node page's live health section: figures, history chart, exit-IP runs, pin and rotate. */
export function NodeHealthPanel({ nodeId }: { nodeId: string }) {
  const [window, setWindow] = useState<StatsWindow>("1h");
  const panel = useNodePanelQuery(nodeId, window);
  const queryClient = useQueryClient();
  const canOperate = useCurrentUser().can("operator");
  const [rotationDialog, setRotationDialog] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const key = statsQueryKeys.node(nodeId, window);
  const d = panel.data;
  const h = d?.health;

  const refreshAll = async () => {
    await queryClient.invalidateQueries({ queryKey: ["nodes"] });
    await queryClient.invalidateQueries({ queryKey: ["audit"] });
  };

  // Optimistic pin: the badge flips at once and flips back if the server refuses.
  const pin = useMutation({
    mutationFn: (pinned: boolean) => pinNodesAction({ nodeIds: [nodeId], pinned }),
    onMutate: async (pinned) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<NodePanelData>(key);
      if (previous?.health)
        queryClient.setQueryData<NodePanelData>(key, {
          ...previous,
          health: { ...previous.health, health: { state: "healthy", reason: null, changedAt: new Date().toISOString(), nextCheckAt: null, ...previous.health.health, pinned } },
        });
      return { previous };
    },
    onSettled: async (result, error, _pinned, context) => {
      if (error || (result && !result.ok)) {
        queryClient.setQueryData(key, context?.previous);
        setNotice({ ok: false, text: result && !result.ok ? Object.values(result.fieldErrors)[0] : "The server could not be reached; nothing changed." });
      }
      await refreshAll();
    },
  });

  const rotate = useMutation({
    mutationFn: () => rotateNodesAction({ nodeIds: [nodeId] }),
    onSettled: async (result, error) => {
      if (error) setNotice({ ok: false, text: "The server could not be reached." });
      else if (result && !result.ok) setNotice({ ok: false, text: Object.values(result.fieldErrors)[0] });
      else if (result?.ok) setNotice({ ok: result.outcomes[0].ok, text: result.outcomes[0].message });
      await refreshAll();
    },
  });

  const pinned = h?.health?.pinned ?? false;

  // When automation changes the node (ejects, re-admits), the polled health row shows it first:
  // refresh the node's state and audit timeline too, so the page stays live without a reload.
  const automationMark = h?.health ? `${h.health.state}@${h.health.changedAt}` : "none";
  const loaded = d !== undefined;
  const seenMark = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!loaded) return;
    const previous = seenMark.current;
    seenMark.current = automationMark;
    if (previous === undefined || previous === automationMark) return;
    void queryClient.invalidateQueries({ queryKey: ["nodes", "detail", nodeId] });
    void queryClient.invalidateQueries({ queryKey: ["audit"] });
  }, [loaded, automationMark, nodeId, queryClient]);

  return (
    <section className="space-y-3 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900" aria-label="Health">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold">Health</h2>
        <HealthBadge health={h?.health ?? null} rule={h?.rule} />
        <select
          aria-label="History window"
          className="h-7 rounded border border-zinc-300 bg-white px-1 text-xs dark:border-zinc-700 dark:bg-zinc-900"
          value={window}
          onChange={(e) => setWindow(e.target.value as StatsWindow)}
        >
          {STATS_WINDOW_NAMES.map((w) => (
            <option key={w} value={w}>
              {STATS_WINDOWS[w].label}
            </option>
          ))}
        </select>
        <LiveToggle fetching={panel.isFetching} updatedAt={panel.dataUpdatedAt} />
        {canOperate && (
          <span className="flex flex-wrap gap-2 sm:ml-auto">
            <Button size="sm" onClick={() => pin.mutate(!pinned)} disabled={pin.isPending} aria-pressed={pinned}>
              {pinned ? "Unpin (let automation act)" : "Pin state (no automation)"}
            </Button>
            <Button size="sm" onClick={() => setRotationDialog(true)}>
              Rotation URL…
            </Button>
            <Button size="sm" variant="primary" disabled={!d?.rotationUrl || rotate.isPending} onClick={() => rotate.mutate()} title={d?.rotationUrl ? undefined : "Set a rotation URL first"}>
              {rotate.isPending ? "Rotating…" : "Rotate exit IP"}
            </Button>
          </span>
        )}
      </div>
      {notice && (
        <p role="status" data-testid="health-notice" className={notice.ok ? "text-sm text-emerald-700 dark:text-emerald-400" : "text-sm text-red-700 dark:text-red-400"}>
          {notice.text}
        </p>
      )}
      {h?.health?.reason && <p className="text-sm text-zinc-600 dark:text-zinc-400">Automation: {h.health.reason}</p>}
      {h?.rule.rule ? (
        <p className="text-xs text-zinc-500" data-testid="health-rule">
          {h.rule.rule}
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm md:grid-cols-6">
        <Item label="Results">{h ? h.requests : "…"}</Item>
        <Item label="Success rate">{pct(h?.successRate)}</Item>
        <Item label="502 rate">{pct(h?.rate502)}</Item>
        <Item label="504 rate">{pct(h?.rate504)}</Item>
        <Item label="p95">{ms(h?.p95Ms)}</Item>
        <Item label="Exit IP">
          <span className="font-mono" data-testid="node-exit-ip">
            {h?.exitIp ?? "—"}
          </span>
        </Item>
      </dl>
      {d && d.history.classes.length > 0 ? (
        <LazyStackedClassChart points={d.history.points} classes={d.history.classes} stepSeconds={d.history.stepSeconds} height={200} label="This node's results over time by fault class" />
      ) : (
        <p className="py-4 text-center text-sm text-zinc-500">{d ? "No results in this window." : "Loading…"}</p>
      )}
      {d && d.exitIps.length > 0 && (
        <div>
          <h3 className="mb-1 text-sm font-medium">Exit-IP history</h3>
          <div className="overflow-x-auto">
          <table className="text-sm" aria-label="Exit IP history">
            <tbody>
              {d.exitIps.map((run) => (
                <tr key={`${run.exitIp}-${run.firstSeen}`}>
                  <td className="pr-4 font-mono">{run.exitIp}</td>
                  <td className="pr-4 text-zinc-500">
                    {new Date(run.firstSeen).toLocaleString()} – {new Date(run.lastSeen).toLocaleTimeString()}
                  </td>
                  <td className="text-zinc-500">{run.results} results</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </div>
      )}
      {rotationDialog && (
        <RotationUrlDialog
          nodeId={nodeId}
          current={d?.rotationUrl ?? ""}
          onClose={async () => {
            setRotationDialog(false);
            await queryClient.invalidateQueries({ queryKey: key });
          }}
        />
      )}
    </section>
  );
}

function RotationUrlDialog({ nodeId, current, onClose }: { nodeId: string; current: string; onClose: () => void }) {
  const [value, setValue] = useState(current);
  const save = useMutation({ mutationFn: () => setRotationUrlAction({ nodeId, rotationUrl: value }), onSuccess: (r) => r.ok && onClose() });
  const errors = save.data && !save.data.ok ? save.data.fieldErrors : undefined;
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title="Rotation URL" description="Switchyard GETs this URL to give the node a new exit IP, then confirms the change with an IP-echo probe. Leave empty to remove it.">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <FormError message={errors?.form} />
        <Field id="rotation-url" label="Rotation URL" error={errors?.rotationUrl}>
          <Input id="rotation-url" value={value} onChange={(e) => setValue(e.target.value)} placeholder="https://provider.example/api/rotate?port=10001&token=…" />
        </Field>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            Save
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-zinc-500">{label}</dt>
      <dd className="tabular-nums">{children}</dd>
    </div>
  );
}
