"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/http/fetch-json";
import type { AuditEventRow } from "@/lib/audit/data";
import type { PoolSummary } from "@/lib/pools/data";
import type { NodeDetail } from "./data";
import { nodeQueryKeys } from "./query-keys";


export function useNodeQuery(id: string) {
  return useQuery({ queryKey: nodeQueryKeys.detail(id), queryFn: () => fetchJson<NodeDetail>(`/api/ui/nodes/${id}`) });
}

export function usePoolsQuery() {
  return useQuery({ queryKey: nodeQueryKeys.pools, queryFn: () => fetchJson<PoolSummary[]>("/api/ui/pools") });
}

export function useTagsQuery() {
  return useQuery({ queryKey: nodeQueryKeys.tags, queryFn: () => fetchJson<string[]>("/api/ui/tags") });
}

export function useAuditQuery(params: Record<string, string>) {
  return useQuery({
    queryKey: nodeQueryKeys.audit(params),
    queryFn: () => fetchJson<{ events: AuditEventRow[]; nextBefore: string | null }>(`/api/ui/audit?${new URLSearchParams(params)}`),
    placeholderData: keepPreviousData,
  });
}
