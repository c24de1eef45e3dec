import "server-only";
import { prisma } from "@/lib/db/prisma";
import { nodeTargetHeatMap, type HeatMap } from "./heat-map";
import { statsOverview, type Overview } from "./overview";
import { statsTimeSeries, type TimeSeries } from "./time-series";
import { topOffendingNodes, type NodeOffenderRow } from "./top-nodes";
import { topOffendingTargets, type OffenderRow } from "./top-targets";
import type { StatsQuery } from "./windows";

export interface HealthPolicyView {
  enabled: boolean;
  windowMinutes: number;
  minSamples: number;
  max502504Rate: number;
  maxConsecutiveFailures: number;
  readmitAfterSuccesses: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

export interface DashboardData {
  overview: Overview;
  series: TimeSeries;
  topNodes: NodeOffenderRow[];
  topTargets: OffenderRow[];
  heatMap: HeatMap;
  /** The selected pool's automatic-health policy (null: automation off for it). */
  healthPolicy: HealthPolicyView | null;
  generatedAt: string;
}

/** Everything the overview page shows, in one response: the page polls one query, not five. */
export async function dashboardData(query: StatsQuery): Promise<DashboardData> {
  const now = new Date();
  const [overview, series, topNodes, topTargets, heatMap, policy] = await Promise.all([
    statsOverview(query, undefined, now),
    statsTimeSeries(query, undefined, now),
    topOffendingNodes(query, 10, undefined, now),
    topOffendingTargets(query, 10, undefined, now),
    nodeTargetHeatMap(query, 30, undefined, now),
    query.poolId ? prisma.poolHealthPolicy.findUnique({ where: { poolId: query.poolId } }) : null,
  ]);
  const healthPolicy: HealthPolicyView | null = policy && {
    enabled: policy.enabled,
    windowMinutes: policy.windowMinutes,
    minSamples: policy.minSamples,
    max502504Rate: policy.max502504Rate,
    maxConsecutiveFailures: policy.maxConsecutiveFailures,
    readmitAfterSuccesses: policy.readmitAfterSuccesses,
    backoffBaseSeconds: policy.backoffBaseSeconds,
    backoffMaxSeconds: policy.backoffMaxSeconds,
  };
  return { overview, series, topNodes, topTargets, heatMap, healthPolicy, generatedAt: now.toISOString() };
}
