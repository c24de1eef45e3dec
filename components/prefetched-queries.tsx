import { dehydrate, HydrationBoundary, QueryClient, type QueryKey } from "@tanstack/react-query";
import type { ReactNode } from "react";

/**
 * For server-component pages: data the page's client queries would fetch first, put into React
 * Query under their keys (HydrationBoundary), so the first HTML already shows it and the view does
 * not wait for its scripts, hydration and a fetch. Each entry is stored as the JSON its route answers
 * with (dates as ISO text): the view reads the same shape either way. The queries still refetch
 * (polling, staleness) as usual.
 */
export function PrefetchedQueries({ entries, children }: { entries: Array<[QueryKey, unknown]>; children: ReactNode }) {
  const queryClient = new QueryClient();
  for (const [key, data] of entries) queryClient.setQueryData(key, JSON.parse(JSON.stringify(data)));
  return <HydrationBoundary state={dehydrate(queryClient)}>{children}</HydrationBoundary>;
}
