"use client";

import { useMemo, useState } from "react";
import { LiveToggle } from "@/components/charts/live-toggle";
import { StateChangeDialog, type NodeStateName } from "@/components/state-change-dialog";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/field";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { useNodeTableQuery } from "@/lib/stats/use-stats-queries";
import { BulkActionBar } from "./bulk-action-bar";
import { ColumnPicker } from "./column-picker";
import { ImportDialog } from "./import-dialog";
import { nodeColumns, nodeName, type NodeColumnMeta } from "./node-columns";
import { NodeFilters } from "./node-filters";
import { NodeForm } from "./node-form";
import { NodePager } from "./node-pager";
import { NodeTable } from "./node-table";
import { TestNowDialog } from "./test-now-dialog";
import { useNodeBulkMutations, type BulkTarget } from "./use-node-bulk-mutations";
import { useNodeTableParams } from "./use-node-table-params";
import { useNodeTablePreferences } from "./use-node-table-preferences";

const HEALTH_HELP =
  "Automatic health's verdict: healthy, ejected (out of rotation until re-tests pass) or probation; hover a cell for the node's rule. Only node-caused failures count (the node or the network to it); a target's own 5xx or a block never does. New pools eject after 5 node-caused failures in a row or ≥ 50 % node-caused 502/504 over 5 min (≥ 10 results). “auto off” = automatic health is off for all of the node's pools (turn it on: Overview → choose the pool).";

type Pending = { kind: "state"; state: NodeStateName } | { kind: "delete" } | { kind: "test" };

/** The nodes table: URL-state filters, live health columns, selection and bulk actions. */
export function NodesView() {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
  };
  const { params, filter, sorting, search, setSearch, setParams, clearFilters } = useNodeTableParams(clearSelection);
  // Polled while live (≤ 5 s): health columns move as results arrive.
  const nodes = useNodeTableQuery(params);
  // Viewers see the pool but get no controls (the server refuses them anyway).
  const canOperate = useCurrentUser().can("operator");
  const { preferences, update } = useNodeTablePreferences();

  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [pending, setPending] = useState<{ action: Pending; target: BulkTarget; count: number; names?: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { changeState, remove, health } = useNodeBulkMutations((message) => {
    setPending(null);
    clearSelection();
    setNotice(message || null);
  });

  const page = nodes.data;
  const rows = useMemo(() => page?.rows ?? [], [page]);
  const isSelected = (id: string) => allMatching || selected.has(id);
  const columns = nodeColumns({
    isSelected,
    onToggle: (id, checked) => {
      setAllMatching(false);
      setSelected((current) => {
        const next = new Set(current);
        if (checked) next.add(id);
        else next.delete(id);
        return next;
      });
    },
    onTag: (tag) => setParams({ tag }),
    healthHelp: HEALTH_HELP,
  });
  const visibility = Object.fromEntries(
    columns.map((column) => [column.id!, preferences.columns[column.id!] ?? (column.meta as NodeColumnMeta).priority !== "extra"]),
  );

  const target: BulkTarget = allMatching ? { filter } : { nodeIds: [...selected] };
  const targetCount = allMatching ? (page?.total ?? 0) : selected.size;
  // Names of an explicit selection (rows on this page) for the confirmation and the notice.
  const selectedNames = allMatching ? undefined : rows.filter((row) => selected.has(row.id)).map(nodeName);
  const pageSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));
  const open = (action: Pending) => setPending({ action, target, count: targetCount, names: selectedNames });
  const filtered = Object.keys(filter).length > 0 || Boolean(params.health);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-xl font-semibold">Nodes</h1>
        <span className="mr-auto ml-2">
          <LiveToggle fetching={nodes.isFetching} updatedAt={nodes.dataUpdatedAt} />
        </span>
        <ColumnPicker
          columns={columns}
          visibility={visibility}
          compact={preferences.compact}
          onColumn={(id, visible) => update({ columns: { ...preferences.columns, [id]: visible } })}
          onCompact={(compact) => update({ compact })}
        />
        {canOperate && (
          <>
            <Button onClick={() => setImporting(true)}>Import…</Button>
            <Button variant="primary" onClick={() => setAdding(true)}>
              Add node
            </Button>
          </>
        )}
      </div>

      <NodeFilters params={params} search={search} onSearch={setSearch} setParams={setParams} onClear={clearFilters} filtered={filtered} />

      {notice && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200" data-testid="bulk-notice">
          {notice}{" "}
          <button type="button" className="underline" onClick={() => setNotice(null)}>
            dismiss
          </button>
        </p>
      )}

      {canOperate && targetCount > 0 && (
        <BulkActionBar
          count={targetCount}
          allMatching={allMatching}
          canSelectAllMatching={!allMatching && !params.health && pageSelected && Boolean(page && page.total > rows.length)}
          total={page?.total ?? 0}
          healthPending={health.isPending}
          rotating={health.isPending && health.variables?.kind === "rotate"}
          onSelectAllMatching={() => setAllMatching(true)}
          onClear={clearSelection}
          onTest={() => open({ kind: "test" })}
          onState={(state) => open({ kind: "state", state })}
          onHealth={(kind) => health.mutate({ kind, nodeIds: [...selected], names: selectedNames ?? [] })}
          onDelete={() => open({ kind: "delete" })}
        />
      )}

      <NodeTable
        rows={rows}
        columns={columns}
        visibility={visibility}
        sorting={sorting}
        compact={preferences.compact}
        busy={nodes.isFetching}
        selectable={canOperate}
        isSelected={isSelected}
        pageSelected={pageSelected || allMatching}
        onSelectPage={(checked) => {
          setAllMatching(false);
          setSelected(checked ? new Set(rows.map((row) => row.id)) : new Set());
        }}
        onSort={(sort, direction) => setParams({ sort, direction })}
        emptyText={page ? (filtered ? "No node matches these filters." : "No nodes yet. Add one or import a list.") : undefined}
        error={nodes.isError ? nodes.error.message : undefined}
      />
      <p className="text-xs text-zinc-500" data-testid="health-help">
        Health: {HEALTH_HELP}
      </p>

      <NodePager page={page} setParams={setParams} />

      <Dialog open={adding} onOpenChange={setAdding} title="Add node">
        <NodeForm onDone={() => setAdding(false)} />
      </Dialog>
      <ImportDialog open={importing} onOpenChange={setImporting} />
      {pending?.action.kind === "test" && <TestNowDialog target={pending.target} count={pending.count} poolId={params.poolId} onClose={() => setPending(null)} />}
      {pending?.action.kind === "state" && (
        <StateChangeDialog
          state={pending.action.state}
          count={pending.count}
          names={pending.names}
          pending={changeState.isPending}
          error={changeState.data && !changeState.data.ok ? changeState.data.fieldErrors : undefined}
          onCancel={() => {
            setPending(null);
            changeState.reset();
          }}
          onConfirm={(reason) => pending.action.kind === "state" && changeState.mutate({ target: pending.target, state: pending.action.state, reason, names: pending.names, count: pending.count })}
        />
      )}
      {pending?.action.kind === "delete" && (
        <Dialog
          open
          onOpenChange={(isOpen) => !isOpen && setPending(null)}
          title={`Delete ${pending.count} node${pending.count === 1 ? "" : "s"}?`}
          description="Their history stays in the audit log. This cannot be undone."
        >
          {pending.names && pending.names.length > 0 && <p className="mb-3 font-mono text-xs break-all">{pending.names.slice(0, 20).join(", ")}</p>}
          <FormError message={remove.data && !remove.data.ok ? Object.values(remove.data.fieldErrors)[0] : undefined} />
          <div className="flex justify-end gap-2">
            <Button onClick={() => setPending(null)}>Cancel</Button>
            <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate({ target: pending.target, names: pending.names, count: pending.count })}>
              {remove.isPending ? "Deleting…" : "Delete"}
            </Button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
