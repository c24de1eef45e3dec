"use client";

import { useEffect, useState } from "react";
import type { SortingState } from "@tanstack/react-table";
import { useUrlParams } from "@/components/use-url-params";

export const NODE_FILTER_KEYS = ["search", "poolId", "state", "tag", "scheme"] as const;

/**
 * The nodes table's state lives in the URL (filters, sort, page, page size), so a view can be
 * bookmarked and shared. `onChange` runs after every change (the view clears its selection).
 */
export function useNodeTableParams(onChange: () => void) {
  const url = useUrlParams();
  const params = url.params;
  const [search, setSearch] = useState(params.search ?? "");

  function setParams(patch: Record<string, string | undefined>, resetPage = true) {
    url.setParams(patch, resetPage && !("page" in patch) ? ["page"] : []);
    onChange();
  }

  // Debounced search: one query per pause in typing, not per key stroke.
  useEffect(() => {
    if ((params.search ?? "") === search) return;
    const timer = setTimeout(() => setParams({ search: search.trim() || undefined }), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const filter: Record<string, string> = Object.fromEntries(NODE_FILTER_KEYS.filter((key) => params[key]).map((key) => [key, params[key]]));
  const sorting: SortingState = [{ id: params.sort ?? "createdAt", desc: (params.direction ?? "desc") === "desc" }];

  function clearFilters() {
    setSearch("");
    setParams(Object.fromEntries([...NODE_FILTER_KEYS, "health"].map((key) => [key, undefined])));
  }

  return { params, filter, sorting, search, setSearch, setParams, clearFilters };
}
