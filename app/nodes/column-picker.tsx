"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import type { NodeTableRow as NodeRow } from "@/lib/stats/node-table";
import type { NodeColumnMeta } from "./node-columns";

/** Columns on/off and compact density; choices are remembered in this browser. */
export function ColumnPicker({
  columns,
  visibility,
  compact,
  onColumn,
  onCompact,
}: {
  columns: ColumnDef<NodeRow>[];
  visibility: Record<string, boolean>;
  compact: boolean;
  onColumn: (id: string, visible: boolean) => void;
  onCompact: (compact: boolean) => void;
}) {
  const [open, setOpen] = useState(false);
  const choosable = columns.filter((column) => (column.meta as NodeColumnMeta | undefined)?.priority !== "essential");
  return (
    <div className="relative">
      <Button size="sm" aria-expanded={open} aria-controls="column-picker" onClick={() => setOpen((o) => !o)}>
        Columns
      </Button>
      {open && (
        <fieldset id="column-picker" className="absolute right-0 z-30 mt-1 w-56 space-y-1 rounded-md border border-zinc-200 bg-white p-3 text-sm shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
          <legend className="sr-only">Columns</legend>
          {choosable.map((column) => (
            <label key={column.id} className="flex items-center gap-2">
              <input type="checkbox" checked={visibility[column.id!] !== false} onChange={(event) => onColumn(column.id!, event.target.checked)} />
              {typeof column.header === "string" ? column.header : column.id}
            </label>
          ))}
          <label className="mt-2 flex items-center gap-2 border-t border-zinc-100 pt-2 dark:border-zinc-800">
            <input type="checkbox" checked={compact} onChange={(event) => onCompact(event.target.checked)} />
            Compact rows
          </label>
        </fieldset>
      )}
    </div>
  );
}
