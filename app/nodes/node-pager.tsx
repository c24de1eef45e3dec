"use client";

import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/field";
import type { NodePage } from "@/lib/nodes/data";

const PAGE_SIZES = [25, 50, 100, 250];

export function NodePager({ page, setParams }: { page?: NodePage; setParams: (patch: Record<string, string | undefined>, resetPage?: boolean) => void }) {
  const pageCount = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1;
  return (
    <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-zinc-600 dark:text-zinc-400">
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
  );
}
