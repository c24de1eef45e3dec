"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from "@tanstack/react-table";
import { clsx } from "clsx";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { NodeStateBadge } from "@/components/node-state-badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Input, Select } from "@/components/ui/field";
import { changeNodeStateAction, deleteNodesAction } from "@/lib/nodes/actions";
import { pinNodesAction, rotateNodesAction } from "@/lib/health/actions";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import type { NodeTableRow as NodeRow } from "@/lib/stats/node-table";
import { nodeQueryKeys, usePoolsQuery, useTagsQuery } from "@/lib/nodes/use-node-queries";
import { useNodeTableQuery } from "@/lib/stats/use-stats-queries";
import { LiveToggle } from "@/components/charts/live-toggle";
import { FaultClassBadge } from "@/components/fault-class-badge";
import { HealthBadge } from "@/components/charts/health-badge";
import { ms, pct } from "@/components/charts/format";
import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { ImportDialog } from "./import-dialog";
import { NodeForm } from "./node-form";
import { TestNowDialog } from "./test-now-dialog";

const FILTER_KEYS = ["search", "poolId", "state", "tag", "scheme"] as const;
const PAGE_SIZES = [25, 50, 100, 250];

type BulkTarget = { nodeIds: string[] } | { filter: Record<string, string> };
type StateChange = { state: "ENABLED" | "DRAINING" | "DISABLED"; target: BulkTarget; count: number };

export function NodesView() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const params = useMemo(() => Object.fromEntries(searchParams), [searchParams]);
  // Polled while live (≤ 5 s): health columns move as results arrive.
  const nodes = useNodeTableQuery(params);
  const pools = usePoolsQuery();
  const tags = useTagsQuery();
  const queryClient = useQueryClient();
  // Viewers see the pool but get no controls (the server refuses them anyway).
  const canOperate = useCurrentUser().can("operator");

  const [search, setSearch] = useState(params.search ?? "");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [stateChange, setStateChange] = useState<StateChange | null>(null);
  const [deleting, setDeleting] = useState<{ target: BulkTarget; count: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [testing, setTesting] = useState<{ target: BulkTarget; count: number } | null>(null);

  function setParams(patch: Record<string, string | undefined>, resetPage = true) {
    // From the live URL, not the render's searchParams: a debounced search update must not undo a
    // filter chosen while it was waiting.
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(patch)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (resetPage && !("page" in patch)) next.delete("page");
    router.replace(`${pathname}?${next}`, { scroll: false });
    setSelected(new Set());
    setAllMatching(false);
  }

  // Debounced search: one query per pause in typing, not per key stroke.
  useEffect(() => {
    if ((params.search ?? "") === search) return;
    const timer = setTimeout(() => setParams({ search: search.trim() || undefined }), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const page = nodes.data;
  const rows = page?.rows ?? [];
  const pageCount = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1;
  const sorting: SortingState = [{ id: params.sort ?? "createdAt", desc: (params.direction ?? "desc") === "desc" }];
  const filter = Object.fromEntries(FILTER_KEYS.filter((key) => params[key]).map((key) => [key, params[key]]));
  const target: BulkTarget = allMatching ? { filter } : { nodeIds: [...selected] };
  const targetCount = allMatching ? (page?.total ?? 0) : selected.size;

  const columns = useMemo<ColumnDef<NodeRow>[]>(
    () => [
      {
        id: "select",
        enableSorting: false,
        header: () => null,
        cell: ({ row }) => (
          <input
            type="checkbox"
            aria-label={`Select ${formatHostPort(row.original.host, row.original.port)}`}
            checked={allMatching || selected.has(row.original.id)}
            onChange={(event) => {
              setAllMatching(false);
              setSelected((current) => {
                const next = new Set(current);
                if (event.target.checked) next.add(row.original.id);
                else next.delete(row.original.id);
                return next;
              });
            }}
          />
        ),
      },
      {
        id: "host",
        header: "Address",
        cell: ({ row }) => (
          <Link href={`/nodes/${row.original.id}`} className="font-mono text-blue-700 hover:underline dark:text-blue-400">
            {row.original.scheme}://{row.original.usernameMasked ? `${row.original.usernameMasked}${row.original.hasPassword ? ":****" : ""}@` : ""}
            {formatHostPort(row.original.host, row.original.port)}
          </Link>
        ),
      },
      { id: "label", header: "Label", cell: ({ row }) => row.original.label || <span className="text-zinc-400">—</span> },
      {
        id: "state",
        header: "State",
        cell: ({ row }) => (
          <NodeStateBadge
            state={row.original.state}
            title={row.original.stateReason ? `${row.original.stateReason} (${row.original.stateChangedBy ?? "unknown"})` : undefined}
          />
        ),
      },
      {
        id: "pools",
        header: "Pools",
        enableSorting: false,
        cell: ({ row }) => row.original.pools.map((pool) => pool.name).join(", ") || <span className="text-zinc-400">—</span>,
      },
      {
        id: "tags",
        header: "Tags",
        enableSorting: false,
        cell: ({ row }) => (
          <span className="flex flex-wrap gap-1">
            {row.original.tags.map((tag) => (
              <button key={tag} type="button" onClick={() => setParams({ tag })} className="rounded bg-zinc-100 px-1.5 text-xs hover:bg-zinc-200 dark:bg-zinc-800">
                {tag}
              </button>
            ))}
          </span>
        ),
      },
      {
        id: "health",
        header: "Health",
        enableSorting: false,
        cell: ({ row }) => <HealthBadge health={row.original.health?.health ?? null} />,
      },
      {
        id: "lastResult",
        header: "Last result",
        enableSorting: false,
        cell: ({ row }) => {
          const last = row.original.health?.lastResult;
          if (!last) return <span className="text-zinc-400">—</span>;
          const spec = FAULT_CLASSES[last.faultClass as FaultClass];
          return (
            <span className="inline-flex items-center gap-1 whitespace-nowrap" data-testid="last-result">
              <FaultClassBadge faultClass={last.faultClass} bucket={spec?.bucket ?? "other_failure"} title={last.reason} />
              <time className="text-xs text-zinc-500" dateTime={last.at}>{new Date(last.at).toLocaleTimeString()}</time>
            </span>
          );
        },
      },
      { id: "successRate", header: "OK 1h", cell: ({ row }) => <Num>{pct(row.original.health?.successRate, 0)}</Num> },
      { id: "rate502", header: "502", cell: ({ row }) => <Num>{pct(row.original.health?.rate502, 0)}</Num> },
      { id: "rate504", header: "504", cell: ({ row }) => <Num>{pct(row.original.health?.rate504, 0)}</Num> },
      { id: "p95", header: "p95", enableSorting: false, cell: ({ row }) => <Num>{ms(row.original.health?.p95Ms)}</Num> },
      { id: "exitIp", header: "Exit IP", enableSorting: false, cell: ({ row }) => <span className="font-mono text-xs" data-testid="exit-ip">{row.original.health?.exitIp ?? "—"}</span> },
      {
        id: "stateChangedAt",
        header: "Last change",
        enableSorting: false,
        cell: ({ row }) =>
          row.original.stateChangedAt ? (
            <time className="text-xs whitespace-nowrap text-zinc-500" dateTime={row.original.stateChangedAt} title={row.original.stateChangedBy ?? undefined}>
              {new Date(row.original.stateChangedAt).toLocaleString()}
            </time>
          ) : (
            <span className="text-zinc-400">—</span>
          ),
      },
      { id: "createdAt", header: "Added", cell: ({ row }) => <time dateTime={row.original.createdAt}>{new Date(row.original.createdAt).toLocaleString()}</time> },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [selected, allMatching],
  );

  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    getRowId: (row) => row.id,
    state: { sorting, columnVisibility: { select: canOperate } },
  });

  const pageSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));

  const applyState = useMutation({
    mutationFn: changeNodeStateAction,
    onSuccess: async (result) => {
      if (!result.ok) return;
      setStateChange(null);
      setNotice(`${result.changed} node${result.changed === 1 ? "" : "s"} changed${result.unchanged ? `, ${result.unchanged} already in that state` : ""}.`);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
    },
  });

  // Pin / unpin / rotate in bulk work on explicit selections (rotation waits for echo probes).
  const health = useMutation({
    mutationFn: async (input: { kind: "pin" | "unpin" | "rotate"; nodeIds: string[] }) => {
      if (input.kind === "rotate") {
        const result = await rotateNodesAction({ nodeIds: input.nodeIds });
        if (!result.ok) return Object.values(result.fieldErrors)[0];
        const changed = result.outcomes.filter((o) => o.ok).length;
        return `${changed} of ${result.outcomes.length} rotated.${result.outcomes.filter((o) => !o.ok).map((o) => ` ${o.message}`).slice(0, 3).join("")}`;
      }
      const result = await pinNodesAction({ nodeIds: input.nodeIds, pinned: input.kind === "pin" });
      return result.ok ? `${result.changed} node${result.changed === 1 ? "" : "s"} ${input.kind === "pin" ? "pinned" : "unpinned"}.` : Object.values(result.fieldErrors)[0];
    },
    onSettled: async (message, error) => {
      setNotice(error ? "The server could not be reached; nothing changed." : (message ?? null));
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
    },
  });

  const remove = useMutation({
    mutationFn: deleteNodesAction,
    onSuccess: async (result) => {
      if (!result.ok) return;
      setDeleting(null);
      setSelected(new Set());
      setAllMatching(false);
      setNotice(`${result.deleted} node${result.deleted === 1 ? "" : "s"} deleted.`);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
    },
  });

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Nodes</h1>
        <span className="mr-auto ml-4">
          <LiveToggle fetching={nodes.isFetching} updatedAt={nodes.dataUpdatedAt} />
        </span>
        {canOperate && (
          <div className="flex gap-2">
            <Button onClick={() => setImporting(true)}>Import…</Button>
            <Button variant="primary" onClick={() => setAdding(true)}>
              Add node
            </Button>
          </div>
        )}
      </div>

      <div className="flex flex-wrap items-end gap-2" role="search">
        <div className="w-72">
          <label htmlFor="node-search" className="sr-only">
            Search nodes
          </label>
          <Input id="node-search" type="search" placeholder="Search host, label or port" value={search} onChange={(event) => setSearch(event.target.value)} />
        </div>
        <FilterSelect label="Pool" value={params.poolId} onChange={(poolId) => setParams({ poolId })} options={pools.data?.map((pool) => [pool.id, pool.name]) ?? []} />
        <FilterSelect label="State" value={params.state} onChange={(state) => setParams({ state })} options={[["ENABLED", "enabled"], ["DRAINING", "draining"], ["DISABLED", "disabled"]]} />
        <FilterSelect label="Tag" value={params.tag} onChange={(tag) => setParams({ tag })} options={tags.data?.map((tag) => [tag, tag]) ?? []} />
        <FilterSelect label="Scheme" value={params.scheme} onChange={(scheme) => setParams({ scheme })} options={[["http", "http"], ["https", "https"], ["socks5", "socks5"]]} />
        <FilterSelect label="Health" value={params.health} onChange={(health) => setParams({ health })} options={[["failing", "failing (1 h)"], ["ejected", "ejected"], ["pinned", "pinned"]]} />
        {(Object.keys(filter).length > 0 || params.health) && (
          <Button
            variant="ghost"
            onClick={() => {
              setSearch("");
              setParams(Object.fromEntries([...FILTER_KEYS, "health"].map((key) => [key, undefined])));
            }}
          >
            Clear filters
          </Button>
        )}
      </div>

      {notice && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">
          {notice}{" "}
          <button type="button" className="underline" onClick={() => setNotice(null)}>
            dismiss
          </button>
        </p>
      )}

      {targetCount > 0 && (
        <div className="flex flex-wrap items-center gap-2 rounded-md border border-blue-200 bg-blue-50 px-3 py-2 text-sm dark:border-blue-900 dark:bg-blue-950" aria-label="Bulk actions">
          <span data-testid="selection-count">
            {allMatching ? `All ${targetCount} nodes matching the filter` : `${targetCount} selected`}
          </span>
          {!allMatching && !params.health && pageSelected && page && page.total > rows.length && (
            <button type="button" className="underline" onClick={() => setAllMatching(true)}>
              Select all {page.total} matching
            </button>
          )}
          <span className="ml-auto flex gap-2">
            <Button size="sm" onClick={() => setTesting({ target, count: targetCount })}>
              Test now
            </Button>
            <Button size="sm" onClick={() => setStateChange({ state: "ENABLED", target, count: targetCount })}>
              Enable
            </Button>
            <Button size="sm" onClick={() => setStateChange({ state: "DRAINING", target, count: targetCount })}>
              Drain
            </Button>
            <Button size="sm" onClick={() => setStateChange({ state: "DISABLED", target, count: targetCount })}>
              Disable
            </Button>
            {!allMatching && (
              <>
                <Button size="sm" disabled={health.isPending} onClick={() => health.mutate({ kind: "pin", nodeIds: [...selected] })}>
                  Pin
                </Button>
                <Button size="sm" disabled={health.isPending} onClick={() => health.mutate({ kind: "unpin", nodeIds: [...selected] })}>
                  Unpin
                </Button>
                <Button size="sm" disabled={health.isPending || selected.size > 50} onClick={() => health.mutate({ kind: "rotate", nodeIds: [...selected] })}>
                  {health.isPending && health.variables?.kind === "rotate" ? "Rotating…" : "Rotate"}
                </Button>
              </>
            )}
            <Button size="sm" variant="danger" onClick={() => setDeleting({ target, count: targetCount })}>
              Delete
            </Button>
          </span>
        </div>
      )}

      <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <table className="w-full text-sm" aria-label="Nodes" aria-busy={nodes.isFetching}>
          <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 uppercase dark:border-zinc-800">
            <tr>
              {table.getHeaderGroups()[0].headers.map((header) => {
                const sortable = header.column.columnDef.enableSorting !== false;
                const active = sorting[0].id === header.id;
                return (
                  <th key={header.id} className="px-3 py-2 font-medium" aria-sort={active ? (sorting[0].desc ? "descending" : "ascending") : undefined}>
                    {header.id === "select" ? (
                      <input
                        type="checkbox"
                        aria-label="Select all on this page"
                        disabled={rows.length === 0}
                        checked={pageSelected || allMatching}
                        onChange={(event) => {
                          setAllMatching(false);
                          setSelected(event.target.checked ? new Set(rows.map((row) => row.id)) : new Set());
                        }}
                      />
                    ) : sortable ? (
                      <button
                        type="button"
                        className="uppercase hover:text-zinc-900 dark:hover:text-zinc-100"
                        onClick={() => setParams({ sort: header.id, direction: active && !sorting[0].desc ? "desc" : "asc" })}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        {active ? (sorting[0].desc ? " ↓" : " ↑") : ""}
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} data-node-id={row.id} className={clsx("border-b border-zinc-100 last:border-0 dark:border-zinc-800", selected.has(row.id) && "bg-blue-50/50 dark:bg-blue-950/30")}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className="px-3 py-1.5 align-middle">
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))}
            {page && rows.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="px-3 py-10 text-center text-zinc-500">
                  {Object.keys(filter).length ? "No node matches these filters." : "No nodes yet. Add one or import a list."}
                </td>
              </tr>
            )}
            {nodes.isError && (
              <tr>
                <td colSpan={columns.length} className="px-3 py-6 text-center text-red-600" role="alert">
                  Could not load nodes: {nodes.error.message}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      <div className="flex items-center justify-between text-sm text-zinc-600 dark:text-zinc-400">
        <span data-testid="node-total">{page ? `${page.total} node${page.total === 1 ? "" : "s"}` : "Loading…"}</span>
        <div className="flex items-center gap-2">
          <label htmlFor="page-size">Rows</label>
          <Select id="page-size" className="w-20" value={String(page?.pageSize ?? 50)} onChange={(event) => setParams({ pageSize: event.target.value })}>
            {PAGE_SIZES.map((size) => (
              <option key={size}>{size}</option>
            ))}
          </Select>
          <Button size="sm" disabled={!page || page.page <= 1} onClick={() => setParams({ page: String((page?.page ?? 2) - 1) }, false)}>
            Previous
          </Button>
          <span>
            Page {page?.page ?? 1} of {pageCount}
          </span>
          <Button size="sm" disabled={!page || page.page >= pageCount} onClick={() => setParams({ page: String((page?.page ?? 0) + 1) }, false)}>
            Next
          </Button>
        </div>
      </div>

      <Dialog open={adding} onOpenChange={setAdding} title="Add node">
        <NodeForm onDone={() => setAdding(false)} />
      </Dialog>
      <ImportDialog open={importing} onOpenChange={setImporting} />
      {testing && <TestNowDialog target={testing.target} count={testing.count} onClose={() => setTesting(null)} />}
      {stateChange && (
        <StateChangeDialog
          change={stateChange}
          pending={applyState.isPending}
          error={applyState.data && !applyState.data.ok ? applyState.data.fieldErrors : undefined}
          onCancel={() => {
            setStateChange(null);
            applyState.reset();
          }}
          onConfirm={(reason) => applyState.mutate({ target: stateChange.target, state: stateChange.state, reason })}
        />
      )}
      <Dialog open={deleting !== null} onOpenChange={(open) => !open && setDeleting(null)} title={`Delete ${deleting?.count ?? 0} node${deleting?.count === 1 ? "" : "s"}?`} description="Their history stays in the audit log. This cannot be undone.">
        <FormError message={remove.data && !remove.data.ok ? Object.values(remove.data.fieldErrors)[0] : undefined} />
        <div className="flex justify-end gap-2">
          <Button onClick={() => setDeleting(null)}>Cancel</Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => deleting && remove.mutate({ target: deleting.target })}>
            {remove.isPending ? "Deleting…" : "Delete"}
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

function Num({ children }: { children: React.ReactNode }) {
  return <span className="tabular-nums whitespace-nowrap">{children}</span>;
}

function FilterSelect({ label, value, options, onChange }: { label: string; value?: string; options: Array<[string, string]>; onChange: (value: string | undefined) => void }) {
  const id = `filter-${label.toLowerCase()}`;
  return (
    <div>
      <label htmlFor={id} className="block text-xs text-zinc-500">
        {label}
      </label>
      <Select id={id} className="w-40" value={value ?? ""} onChange={(event) => onChange(event.target.value || undefined)}>
        <option value="">All</option>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </Select>
    </div>
  );
}

const STATE_VERB = { ENABLED: "Enable", DRAINING: "Drain", DISABLED: "Disable" } as const;
const STATE_HELP = {
  ENABLED: "The nodes take new work again.",
  DRAINING: "The nodes finish what they have in flight and take no new work.",
  DISABLED: "The nodes take no work at all until enabled.",
} as const;

export function StateChangeDialog({
  change,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  change: StateChange;
  pending: boolean;
  error?: Record<string, string>;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<string>();
  const noun = `${change.count} node${change.count === 1 ? "" : "s"}`;
  return (
    <Dialog open onOpenChange={(open) => !open && onCancel()} title={`${STATE_VERB[change.state]} ${noun}?`} description={STATE_HELP[change.state]}>
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (change.state === "DISABLED" && reason.trim() === "") return setLocalError("Say why the node is disabled.");
          onConfirm(reason);
        }}
      >
        <FormError message={error?.form ?? error?.nodeIds} />
        <Field id="state-reason" label={change.state === "DISABLED" ? "Reason (required)" : "Reason (optional)"} error={localError ?? error?.reason}>
          <Input id="state-reason" value={reason} onChange={(event) => setReason(event.target.value)} placeholder="e.g. 502 storm since 03:10" autoFocus />
        </Field>
        <div className="flex justify-end gap-2">
          <Button onClick={onCancel}>Cancel</Button>
          <Button type="submit" variant={change.state === "DISABLED" ? "danger" : "primary"} disabled={pending}>
            {pending ? "Working…" : `${STATE_VERB[change.state]} ${noun}`}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
