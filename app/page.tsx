import type { QueryKey } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { PrefetchedQueries } from "@/components/prefetched-queries";
import { requirePageActor } from "@/lib/auth/page-actor";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { listPools } from "@/lib/pools/data";
import { dashboardData } from "@/lib/stats/dashboard";
import { statsQueryKeys } from "@/lib/stats/query-keys";
import { statsQuerySchema } from "@/lib/stats/windows";
import { overviewParams } from "./dashboard/overview-params";
import { OverviewView } from "./dashboard/overview-view";

export const metadata: Metadata = { title: "Overview" };

/**
 * The overview arrives with its figures in the first HTML: the server runs the dashboard query the
 * view then polls (same key, same JSON as GET /api/ui/stats) and the pool list. A query the schema
 * refuses is not prefetched: the view's own request shows why.
 */
export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = overviewParams(await searchParams);
  const actor = await requirePageActor("viewer", `/?${new URLSearchParams(params)}`);
  const query = statsQuerySchema.safeParse(params);
  const entries: Array<[QueryKey, unknown]> = [];
  if (actor && query.success) {
    const [dashboard, pools] = await Promise.all([dashboardData(query.data), listPools()]);
    entries.push([statsQueryKeys.dashboard(params), dashboard], [nodeQueryKeys.pools, pools]);
  }
  return (
    <PrefetchedQueries entries={entries}>
      <Suspense>
        <OverviewView />
      </Suspense>
    </PrefetchedQueries>
  );
}
