"use client";

import { Button } from "@/components/ui/button";
import type { NodeStateName } from "@/components/state-change-dialog";

/**
 * What to do with the selected nodes. Sticky: it stays in view while the operator scrolls a long
 * page of nodes to pick more.
 */
export function BulkActionBar({
  count,
  allMatching,
  canSelectAllMatching,
  total,
  healthPending,
  rotating,
  onSelectAllMatching,
  onClear,
  onTest,
  onState,
  onHealth,
  onDelete,
}: {
  count: number;
  allMatching: boolean;
  canSelectAllMatching: boolean;
  total: number;
  healthPending: boolean;
  rotating: boolean;
  onSelectAllMatching: () => void;
  onClear: () => void;
  onTest: () => void;
  onState: (state: NodeStateName) => void;
  onHealth: (kind: "pin" | "unpin" | "rotate") => void;
  onDelete: () => void;
}) {
  return (
    <div
      className="sticky top-0 z-20 flex flex-wrap items-center gap-2 rounded-md border border-blue-200 bg-blue-50 px-3 py-2 text-sm shadow-sm dark:border-blue-900 dark:bg-blue-950"
      role="toolbar"
      aria-label="Bulk actions"
    >
      <span data-testid="selection-count">{allMatching ? `All ${count} nodes matching the filter` : `${count} selected`}</span>
      {canSelectAllMatching && (
        <button type="button" className="underline" onClick={onSelectAllMatching}>
          Select all {total} matching
        </button>
      )}
      <button type="button" className="text-xs text-zinc-600 underline dark:text-zinc-400" onClick={onClear}>
        clear
      </button>
      <span className="flex flex-wrap gap-2 sm:ml-auto">
        <Button size="sm" onClick={onTest}>
          Test now
        </Button>
        <Button size="sm" onClick={() => onState("ENABLED")}>
          Enable
        </Button>
        <Button size="sm" onClick={() => onState("DRAINING")}>
          Drain
        </Button>
        <Button size="sm" onClick={() => onState("DISABLED")}>
          Disable
        </Button>
        {!allMatching && (
          <>
            <Button size="sm" disabled={healthPending} onClick={() => onHealth("pin")}>
              Pin
            </Button>
            <Button size="sm" disabled={healthPending} onClick={() => onHealth("unpin")}>
              Unpin
            </Button>
            <Button size="sm" disabled={healthPending || count > 50} title={count > 50 ? "Rotate at most 50 nodes at a time" : undefined} onClick={() => onHealth("rotate")}>
              {rotating ? "Rotating…" : "Rotate"}
            </Button>
          </>
        )}
        <Button size="sm" variant="danger" onClick={onDelete}>
          Delete
        </Button>
      </span>
    </div>
  );
}
