"use client";

import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from "@tanstack/react-table";
import { clsx } from "clsx";
import type { NodeTableRow as NodeRow } from "@/lib/stats/node-table";
import type { NodeColumnMeta } from "./node-columns";

/** Below md only essential columns show; "standard" from md; the picker decides the rest. */
const PRIORITY_CLASS = { essential: "", standard: "hidden md:table-cell", extra: "hidden md:table-cell" } as const;

export function NodeTable({
  rows,
  columns,
  visibility,
  sorting,
  compact,
  busy,
  selectable,
  isSelected,
  pageSelected,
  onSelectPage,
  onSort,
  emptyText,
  error,
}: {
  rows: NodeRow[];
  columns: ColumnDef<NodeRow>[];
  visibility: Record<string, boolean>;
  sorting: SortingState;
  compact: boolean;
  busy: boolean;
  selectable: boolean;
  isSelected: (id: string) => boolean;
  pageSelected: boolean;
  onSelectPage: (checked: boolean) => void;
  onSort: (id: string, direction: "asc" | "desc") => void;
  emptyText?: string;
  error?: string;
}) {
  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    getRowId: (row) => row.id,
    state: { sorting, columnVisibility: { ...visibility, select: selectable } },
  });
  const cellPad = compact ? "px-2 py-0.5" : "px-3 py-1.5";
  const visibleCount = table.getVisibleLeafColumns().length;
  const priorityClass = (meta: unknown) => PRIORITY_CLASS[(meta as NodeColumnMeta | undefined)?.priority ?? "standard"];
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className={clsx("w-full", compact ? "text-xs" : "text-sm")} aria-label="Nodes" aria-busy={busy} data-density={compact ? "compact" : "comfortable"}>
        <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 uppercase dark:border-zinc-800">
          <tr>
            {table.getHeaderGroups()[0].headers.map((header) => {
              const sortable = header.column.columnDef.enableSorting !== false;
              const active = sorting[0]?.id === header.id;
              const meta = header.column.columnDef.meta as NodeColumnMeta | undefined;
              return (
                <th
                  key={header.id}
                  className={clsx(cellPad, "font-medium whitespace-nowrap", priorityClass(meta))}
                  title={meta?.help}
                  aria-sort={active ? (sorting[0].desc ? "descending" : "ascending") : undefined}
                >
                  {header.id === "select" ? (
                    <input type="checkbox" aria-label="Select all on this page" disabled={rows.length === 0} checked={pageSelected} onChange={(event) => onSelectPage(event.target.checked)} />
                  ) : sortable ? (
                    <button type="button" className="uppercase hover:text-zinc-900 dark:hover:text-zinc-100" onClick={() => onSort(header.id, active && !sorting[0].desc ? "desc" : "asc")}>
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
            <tr key={row.id} data-node-id={row.id} className={clsx("border-b border-zinc-100 last:border-0 dark:border-zinc-800", isSelected(row.id) && "bg-blue-50/50 dark:bg-blue-950/30")}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} className={clsx(cellPad, "align-middle", priorityClass(cell.column.columnDef.meta))}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
          {emptyText && rows.length === 0 && (
            <tr>
              <td colSpan={visibleCount} className="px-3 py-10 text-center text-zinc-500">
                {emptyText}
              </td>
            </tr>
          )}
          {error && (
            <tr>
              <td colSpan={visibleCount} className="px-3 py-6 text-center text-red-600" role="alert">
                Could not load nodes: {error}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
