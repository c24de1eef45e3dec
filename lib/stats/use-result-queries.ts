"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/http/fetch-json";
import type { ResultList } from "./result-list";

/** The results view's list (and the Test-now dialog's failures), keyed by its filters. */
export function useResultListQuery(params: Record<string, string>, options: { enabled?: boolean; refetchInterval?: (rowsSoFar: number) => number | false } = {}) {
  return useQuery({
    queryKey: ["results", params] as const,
    queryFn: () => fetchJson<ResultList>(`/api/ui/results?${new URLSearchParams(params)}`),
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
    refetchInterval: (query) => options.refetchInterval?.(query.state.data?.rows.length ?? 0) ?? false,
  });
}
