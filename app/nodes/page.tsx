import type { QueryKey } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { PrefetchedQueries } from "@/components/prefetched-queries";
import { requirePageActor } from "@/lib/auth/page-actor";
import { listTags } from "@/lib/nodes/data";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { nodeListQuerySchema } from "@/lib/nodes/schema";
import { listPools } from "@/lib/pools/data";
import { healthTableQuerySchema, listNodesByHealth, listNodesWithHealth } from "@/lib/stats/node-table";
import { rankedByHealth } from "@/lib/stats/windows";
import { NodesView } from "./nodes-view";

export const metadata: Metadata = { title: "Nodes" };

/**
 * The nodes table arrives with its first page in the HTML: the server runs the query the view then
 * polls (same key, same JSON as its route) and the filters' pools and tags. A query the schema
 * refuses is not prefetched: the view's own request shows why.
 */
export default async function NodesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // The view's params are Object.fromEntries(useSearchParams()): a repeated key keeps its last value.
  const params = Object.fromEntries(Object.entries(await searchParams).flatMap(([key, value]): Array<[string, string]> => (value === undefined ? [] : [[key, [value].flat().at(-1)!]])));
  const actor = await requirePageActor("viewer", `/nodes?${new URLSearchParams(params)}`);
  const entries: Array<[QueryKey, unknown]> = [];
  if (actor) {
    const byHealth = rankedByHealth(params);
    const health = healthTableQuerySchema.safeParse(params);
    const registry = nodeListQuerySchema.safeParse(params);
    const [table, pools, tags] = await Promise.all([
      byHealth ? (health.success ? listNodesByHealth(health.data) : null) : registry.success ? listNodesWithHealth(registry.data) : null,
      listPools(),
      listTags(),
    ]);
    if (table) entries.push([nodeQueryKeys.list(params), table]);
    entries.push([nodeQueryKeys.pools, pools], [nodeQueryKeys.tags, tags]);
  }
  return (
    <PrefetchedQueries entries={entries}>
      <Suspense>
        <NodesView />
      </Suspense>
    </PrefetchedQueries>
  );
}
