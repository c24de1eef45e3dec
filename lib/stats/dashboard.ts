import "server-only";
import { ejectedNodes, type EjectedNodes } from "./ejected-nodes";
import { gatewayTraffic, type GatewayTraffic } from "./gateway-traffic";
import { nodeTargetHeatMap, type HeatMap } from "./heat-map";
import { operatorActions, type OperatorAction } from "./operator-actions";
import { statsOverview, type Overview } from "./overview";
import { statsTimeSeries, type TimeSeries } from "./time-series";
import { topOffendingNodes, type NodeOffenderRow } from "./top-nodes";
import { topOffendingTargets, type OffenderRow } from "./top-targets";
import type { StatsQuery } from "./windows";
import { poolHealthPolicy, type HealthPolicySettings } from "@/lib/health/data";
import { monitoringStatus, type MonitoringStatus } from "@/lib/probe/worker-status";

/** The policy the health machine applies to the pool (lib/health: saved, or the default), with whether automation is on. */
export type HealthPolicyView = HealthPolicySettings;

export interface DashboardData {
  overview: Overview;
  series: TimeSeries;
  topNodes: NodeOffenderRow[];
  topTargets: OffenderRow[];
  heatMap: HeatMap;
  /** The selected pool's automatic-health policy (null: no pool selected). */
  healthPolicy: HealthPolicyView | null;
  /** The probe workers' own report: in flight, overdue nodes, how far behind the schedule is. */
  monitoring: MonitoringStatus;
  /** Operator and automation actions in the window: annotations on the chart. */
  actions: OperatorAction[];
  /** The forward-proxy gateway's traffic: requests, retries, final failures. */
  gateway: GatewayTraffic;
  /** Nodes automatic health holds out of rotation now. */
  ejected: EjectedNodes;
  generatedAt: string;
}

/** Everything the overview page shows, in one response: the page polls one query, not five. */
export async function dashboardData(query: StatsQuery): Promise<DashboardData> {
  const now = new Date();
  // The 30 worst nodes are ranked once: the first 10 are the list, all 30 the heat map's rows.
  const worst = topOffendingNodes(query, 30, undefined, now);
  const [overview, series, worstNodes, topTargets, heatMap, policy, monitoring, actions, gateway, ejected] = await Promise.all([
    statsOverview(query, undefined, now),
    statsTimeSeries(query, undefined, now),
    worst,
    topOffendingTargets(query, 10, undefined, now),
    worst.then((nodes) => nodeTargetHeatMap(query, 30, undefined, now, nodes.map((n) => n.id))),
    query.poolId ? poolHealthPolicy(query.poolId) : null,
    monitoringStatus(now),
    operatorActions(query, 50, undefined, now),
    gatewayTraffic(query, undefined, now),
    ejectedNodes(query, 20, undefined, now),
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
  return { overview, series, topNodes: worstNodes.slice(0, 10), topTargets, heatMap, healthPolicy, monitoring, actions, gateway, ejected, generatedAt: now.toISOString() };
}
