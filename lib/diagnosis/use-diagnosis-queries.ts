"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { fetchJson } from "@/lib/http/fetch-json";
import { startDiagnosisAction } from "./actions";
import type { DiagnosisView } from "./schema";

export const diagnosisQueryKeys = {
  one: (id: string) => ["diagnoses", id] as const,
};

/** Polls twice a second while the checklist runs (each step appears as it completes), then stops. */
export function useDiagnosisQuery(id: string) {
  return useQuery({
    queryKey: diagnosisQueryKeys.one(id),
    queryFn: () => fetchJson<DiagnosisView>(`/api/ui/diagnoses/${id}`),
    refetchInterval: (query) => (query.state.data && query.state.data.status !== "running" ? false : 500),
  });
}

/** Starts Diagnose (node page, heat-map cell) and opens its page, where the steps appear as they run. */
export function useStartDiagnosis() {
  const router = useRouter();
  return useMutation({
    mutationFn: startDiagnosisAction,
    onSuccess: (result) => {
      if (result.ok) router.push(`/diagnoses/${result.id}`);
    },
  });
}
