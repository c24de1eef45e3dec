import { clsx } from "clsx";
import type { ReactNode } from "react";

export interface DataTableColumn {
  label: string;
  align?: "right";
  /** Rendered but hidden (e.g. an action column the viewer role has no use for). */
  hidden?: boolean;
}

/**
 * The app's plain table: bordered card, header row, body rows given as children, and a message
 * row when there is nothing to show. Sortable/selectable tables use TanStack Table instead.
 */
export function DataTable({
  label,
  columns,
  children,
  isEmpty,
  emptyText,
}: {
  label: string;
  columns: Array<string | DataTableColumn>;
  children: ReactNode;
  isEmpty?: boolean;
  emptyText?: ReactNode;
}) {
  const cols = columns.map((column) => (typeof column === "string" ? { label: column } : column));
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table className="w-full text-sm" aria-label={label}>
        <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 uppercase dark:border-zinc-800">
          <tr>
            {cols.map((column, index) => (
              <th key={index} className={clsx("px-3 py-2 font-medium", column.align === "right" && "text-right", column.hidden && "hidden")}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="[&>tr]:border-b [&>tr]:border-zinc-100 [&>tr:last-child]:border-0 dark:[&>tr]:border-zinc-800 [&_td]:px-3 [&_td]:py-2">
          {children}
          {isEmpty && (
            <tr>
              <td colSpan={cols.length} className="py-8 text-center text-zinc-500">
                {emptyText}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
