import type { Metadata } from "next";
import { Suspense } from "react";
import { requirePageActor } from "@/lib/auth/page-actor";
import { listPools } from "@/lib/pools/data";
import { dashboardData } from "@/lib/stats/dashboard";
import { statsQuerySchema } from "@/lib/stats/windows";
import { overviewParams } from "./dashboard/overview-params";
import { OverviewView, type OverviewInitial } from "./dashboard/overview-view";

export const metadata: Metadata = { title: "Overview" };

/**
 * The overview arrives with its figures in the first HTML (the same data the page then polls), so
 * an operator reads numbers at first paint instead of after the scripts, hydration and a fetch.
 * A URL the query schema refuses renders without them; the page's own request then shows why.
 */
export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const params = overviewParams((key) => [raw[key]].flat()[0]);
  const actor = await requirePageActor("viewer", `/?${new URLSearchParams(params)}`);
  const query = statsQuerySchema.safeParse(params);
  // Plain JSON, exactly what GET /api/ui/stats and /api/ui/pools answer with; the pool list too, so
  // the first HTML already shows the chosen pool.
  const initial = actor && query.success ? (JSON.parse(JSON.stringify({ params, data: await dashboardData(query.data), pools: await listPools() })) as OverviewInitial) : undefined;
  return (
    <Suspense>
      <OverviewView initial={initial} />
    </Suspense>
  );
}
