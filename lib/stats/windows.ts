import { z } from "zod";

/**
 * The whitelisted windows. Everything that reaches SQL from a request is one of these entries
 * (numbers from this table) or a validated uuid, always as a bound parameter.
 */
export const STATS_WINDOWS = {
  "15m": { label: "15 min", spanMinutes: 15, stepSeconds: 60, nodeGrainMinutes: 5 },
  "1h": { label: "1 h", spanMinutes: 60, stepSeconds: 120, nodeGrainMinutes: 5 },
  "24h": { label: "24 h", spanMinutes: 24 * 60, stepSeconds: 30 * 60, nodeGrainMinutes: 60 },
  "7d": { label: "7 d", spanMinutes: 7 * 24 * 60, stepSeconds: 4 * 3600, nodeGrainMinutes: 60 },
} as const;

export type StatsWindow = keyof typeof STATS_WINDOWS;
export const STATS_WINDOW_NAMES = Object.keys(STATS_WINDOWS) as StatsWindow[];

export const statsQuerySchema = z.object({
  window: z.enum(STATS_WINDOW_NAMES as [StatsWindow, ...StatsWindow[]]).default("1h"),
  poolId: z.uuid().optional().or(z.literal("").transform(() => undefined)),
});
export type StatsQuery = z.output<typeof statsQuerySchema>;

/** The "every node" key of StatsRollupMinute. */
export const ALL_POOLS_KEY = "00000000-0000-0000-0000-000000000000";

export interface ResolvedWindow {
  window: StatsWindow;
  /** Inclusive start (now − span). */
  start: Date;
  now: Date;
  /** start floored to the minute: the first rollup minute that belongs to the window. */
  minuteStart: Date;
  /** start floored to the node grain. */
  nodeBucketStart: Date;
  stepSeconds: number;
  nodeGrainMinutes: number;
}

/** Fixed-width epoch arithmetic: the same buckets whatever the server's or the session's time zone. */
export function resolveWindow(window: StatsWindow, now = new Date()): ResolvedWindow {
  const spec = STATS_WINDOWS[window];
  const start = new Date(now.getTime() - spec.spanMinutes * 60_000);
  const floorTo = (ms: number) => new Date(Math.floor(start.getTime() / ms) * ms);
  return {
    window,
    start,
    now,
    minuteStart: floorTo(60_000),
    nodeBucketStart: floorTo(spec.nodeGrainMinutes * 60_000),
    stepSeconds: spec.stepSeconds,
    nodeGrainMinutes: spec.nodeGrainMinutes,
  };
}

/** Health columns the nodes table can sort by (a whitelist; lib/stats/node-table.ts maps each to SQL). */
export const HEALTH_SORTS = ["successRate", "rate502", "rate504", "requests"] as const;
export type HealthSort = (typeof HEALTH_SORTS)[number];
export const HEALTH_FILTERS = ["failing", "ejected", "pinned"] as const;
/** What the "failing" filter means (lib/stats/node-table.ts implements it). */
export const FAILING_RULE = "at least one failure caused by the node or the network in the last hour (blocks and the target's own errors do not count)";
