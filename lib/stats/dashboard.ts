import "server-only";
import { nodeTargetHeatMap, type HeatMap } from "./heat-map";
import { statsOverview, type Overview } from "./overview";
import { statsTimeSeries, type TimeSeries } from "./time-series";
import { topOffendingNodes, type NodeOffenderRow } from "./top-nodes";
import { topOffendingTargets, type OffenderRow } from "./top-targets";
import type { StatsQuery } from "./windows";

export interface DashboardData {
  overview: Overview;
  series: TimeSeries;
  topNodes: NodeOffenderRow[];
  topTargets: OffenderRow[];
  heatMap: HeatMap;
  generatedAt: string;
}

/** Everything the overview page shows, in one response: the page polls one query, not five. */
export async function dashboardData(query: StatsQuery): Promise<DashboardData> {
  const now = new Date();
  const [overview, series, topNodes, topTargets, heatMap] = await Promise.all([
    statsOverview(query, undefined, now),
    statsTimeSeries(query, undefined, now),
    topOffendingNodes(query, 10, undefined, now),
    topOffendingTargets(query, 10, undefined, now),
    nodeTargetHeatMap(query, 30, undefined, now),
  ]);
  return { overview, series, topNodes, topTargets, heatMap, generatedAt: now.toISOString() };
}
