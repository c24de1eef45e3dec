"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { fetchJson } from "@/lib/http/fetch-json";
import type { DashboardData } from "./dashboard";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { statsQueryKeys } from "./query-keys";
import type { NodePanelData } from "./node-panel";
import type { NodeTablePage } from "./node-table";
import { rankedByHealth } from "./windows";

/**
 * Live figures by polling, not Server-Sent Events: every figure is an aggregate the database
 * computes in a few ms, the web role may run on several instances behind a plain proxy (SSE needs
 * sticky, unbuffered long-lived connections and a fan-out from the worker that writes results),
 * and React Query already dedupes, pauses in background tabs and retries. One query per view,
 * refetched every LIVE_INTERVAL_MS while live; the "Pause live" toggle stops it.
 */
export const LIVE_INTERVAL_MS = 4_000;

// The live toggle is shared by every view of the tab (and remembered), so pausing on the overview
// also pauses the nodes table.
const listeners = new Set<() => void>();
function readLive(): boolean {
  try {
    return localStorage.getItem("switchyard:live") !== "paused";
  } catch {
    return true;
  }
}
export function setLive(live: boolean): void {
  try {
    localStorage.setItem("switchyard:live", live ? "live" : "paused");
  } catch {
    // private mode: the toggle still works for this page
  }
  listeners.forEach((listener) => listener());
}
export function useLive(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readLive,
    () => true,
  );
}

export function useDashboardQuery(params: Record<string, string>) {
  const live = useLive();
  return useQuery({
    queryKey: statsQueryKeys.dashboard(params),
    queryFn: () => fetchJson<DashboardData>(`/api/ui/stats?${new URLSearchParams(params)}`),
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
  });
}

export function useNodePanelQuery(id: string, window: string) {
  const live = useLive();
  return useQuery({
    queryKey: statsQueryKeys.node(id, window),
    queryFn: () => fetchJson<NodePanelData>(`/api/ui/stats/nodes/${id}?window=${encodeURIComponent(window)}`),
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
  });
}

/**
 * The nodes table, live: the registry's own list (sorted by node fields) or, when sorted or
 * filtered by a health column, the health-ranked list. Same key prefix as the registry's list,
 * so writes that invalidate ["nodes"] refresh it.
 */
export function useNodeTableQuery(params: Record<string, string>) {
  const live = useLive();
  const byHealth = rankedByHealth(params);
  return useQuery({
    queryKey: nodeQueryKeys.list(params),
    queryFn: () => fetchJson<NodeTablePage>(`${byHealth ? "/api/ui/stats/node-table" : "/api/ui/nodes"}?${new URLSearchParams(params)}`),
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
  });
}
