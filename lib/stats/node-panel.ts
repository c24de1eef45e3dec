import "server-only";
import { nodeHealthFigures, type NodeHealthFigures } from "./node-health";
import { exitIpHistory, nodeHistory, type ExitIpChange } from "./node-history";
import type { TimeSeries } from "./time-series";
import type { StatsWindow } from "./windows";

export interface NodePanelData {
  health: NodeHealthFigures | null;
  history: TimeSeries;
  exitIps: ExitIpChange[];
  rotationUrl: string | null;
  generatedAt: string;
}

/** The node page's live section (health figures, history chart, exit-IP runs) in one response. */
export async function nodePanelData(nodeId: string, window: StatsWindow, rotationUrl: string | null): Promise<NodePanelData> {
  const now = new Date();
  const [health, history, exitIps] = await Promise.all([
    nodeHealthFigures([nodeId], window, undefined, now),
    nodeHistory(nodeId, window, undefined, now),
    exitIpHistory(nodeId),
  ]);
  return { health: health.get(nodeId) ?? null, history, exitIps, rotationUrl, generatedAt: now.toISOString() };
}
