"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/lib/http/fetch-json";
import type { NodeTargetExclusionRow, PoolProbeSettingsView, ProbeResultRow, ProbeTargetRow } from "./data";
import type { ProbeRunView } from "./probe-runs";

export const probeQueryKeys = {
  targets: ["probe-targets"] as const,
  run: (id: string) => ["probe-runs", id] as const,
  poolSettings: (poolId: string) => ["pool-probe-settings", poolId] as const,
  nodeResults: (nodeId: string) => ["nodes", "results", nodeId] as const,
  nodeExclusions: (nodeId: string) => ["nodes", "exclusions", nodeId] as const,
};

export function useProbeTargetsQuery() {
  return useQuery({ queryKey: probeQueryKeys.targets, queryFn: () => fetchJson<ProbeTargetRow[]>("/api/ui/probe-targets") });
}

/** Polls twice a second while the run is going, then stops. */
export function useProbeRunQuery(id: string | null) {
  return useQuery({
    queryKey: probeQueryKeys.run(id ?? "none"),
    queryFn: () => fetchJson<ProbeRunView>(`/api/ui/probe-runs/${id}`),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data && query.state.data.status !== "running" ? false : 500),
  });
}

export function usePoolProbeSettingsQuery(poolId: string | null) {
  return useQuery({
    queryKey: probeQueryKeys.poolSettings(poolId ?? "none"),
    queryFn: () => fetchJson<PoolProbeSettingsView>(`/api/ui/pools/${poolId}/probe-settings`),
    enabled: poolId !== null,
  });
}

export function useNodeResultsQuery(nodeId: string) {
  return useQuery({
    queryKey: probeQueryKeys.nodeResults(nodeId),
    queryFn: () => fetchJson<ProbeResultRow[]>(`/api/ui/nodes/${nodeId}/results`),
    refetchInterval: 5_000,
  });
}

export function useNodeExclusionsQuery(nodeId: string) {
  return useQuery({ queryKey: probeQueryKeys.nodeExclusions(nodeId), queryFn: () => fetchJson<NodeTargetExclusionRow[]>(`/api/ui/nodes/${nodeId}/exclusions`) });
}
