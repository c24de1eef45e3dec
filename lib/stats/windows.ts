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

/** Bounds of a custom range (from/to): as far back as the longest window, at least a minute long. */
export const RANGE_LIMITS = { maxSpanMinutes: STATS_WINDOWS["7d"].spanMinutes, maxAgeMinutes: STATS_WINDOWS["7d"].spanMinutes, minSpanMinutes: 1, maxFutureSeconds: 60 } as const;

/** "" (an emptied field) counts as absent; any other value must be valid, or the reason names it. */
const emptyAsAbsent = (value: unknown) => (value === "" ? undefined : value);
const optionalTime = z.preprocess(emptyAsAbsent, z.iso.datetime({ offset: true, message: "must be an ISO 8601 time with a time zone, e.g. 2026-01-31T12:00:00Z" }).optional());

/**
 * The overview's query: a whitelisted window, or a custom range from/to (the chart's zoom, or typed
 * in) checked against RANGE_LIMITS — a range wins over the window. A bad value fails with the
 * field and the reason (the routes answer 400, never 500).
 */
export const statsQuerySchema = z
  .object({
    window: z.enum(STATS_WINDOW_NAMES as [StatsWindow, ...StatsWindow[]]).default("1h"),
    poolId: z.preprocess(emptyAsAbsent, z.uuid({ message: "must be a pool id (a UUID)" }).optional()),
    from: optionalTime,
    to: optionalTime,
  })
  .superRefine((query, context) => {
    if (!query.from && !query.to) return;
    if (!query.from || !query.to) {
      context.addIssue({ code: "custom", path: [query.from ? "to" : "from"], message: "give both from and to, or neither" });
      return;
    }
    for (const problem of rangeProblems(query.from, query.to)) context.addIssue({ code: "custom", path: [problem.field], message: problem.reason });
  });

/** What is wrong with a custom range (nothing: []): the server's check, and the form's before it sends. */
export function rangeProblems(from: string, to: string, now = Date.now()): Array<{ field: "from" | "to"; reason: string }> {
  const [start, end] = [Date.parse(from), Date.parse(to)];
  const problems: Array<{ field: "from" | "to"; reason: string }> = [];
  if (end - start < RANGE_LIMITS.minSpanMinutes * 60_000) problems.push({ field: "to", reason: "must be at least a minute after from" });
  else if (end - start > RANGE_LIMITS.maxSpanMinutes * 60_000) problems.push({ field: "to", reason: "the range is longer than 7 days" });
  if (start < now - RANGE_LIMITS.maxAgeMinutes * 60_000) problems.push({ field: "from", reason: "is more than 7 days ago" });
  if (end > now + RANGE_LIMITS.maxFutureSeconds * 1000) problems.push({ field: "to", reason: "is in the future" });
  return problems;
}
export type StatsQuery = z.output<typeof statsQuerySchema>;

/** The "every node" key of StatsRollupMinute. */
export const ALL_POOLS_KEY = "00000000-0000-0000-0000-000000000000";

export interface ResolvedWindow {
  window: StatsWindow;
  /** Inclusive start (now − span, or a range's from). */
  start: Date;
  now: Date;
  /** A range's exclusive end (its `to`); null for a window, which runs up to now. */
  end: Date | null;
  /** `end` rounded up to the minute, the node grain and the hour: the rollup buckets that reach into the range. */
  minuteEnd: Date | null;
  nodeBucketEnd: Date | null;
  hourEnd: Date | null;
  /** start floored to the minute: the first rollup minute that belongs to the window. */
  minuteStart: Date;
  /** start floored to the node grain. */
  nodeBucketStart: Date;
  stepSeconds: number;
  nodeGrainMinutes: number;
}

/**
 * An instant as a SQL parameter: ISO text with its "Z", read the same in any session TimeZone
 * (a bound Date arrives without a zone and would be read as the session's local time).
 */
export function sqlInstant(date: Date | null): string | null {
  return date ? date.toISOString() : null;
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
    end: null,
    minuteEnd: null,
    nodeBucketEnd: null,
    hourEnd: null,
    minuteStart: floorTo(60_000),
    nodeBucketStart: floorTo(spec.nodeGrainMinutes * 60_000),
    stepSeconds: spec.stepSeconds,
    nodeGrainMinutes: spec.nodeGrainMinutes,
  };
}

/**
 * The window of an overview query: its custom range when it has one (steps and grains of the
 * smallest whitelisted window that spans it), else its named window.
 */
export function resolveQueryWindow(query: Pick<StatsQuery, "window" | "from" | "to">, now = new Date()): ResolvedWindow {
  if (!query.from || !query.to) return resolveWindow(query.window, now);
  const start = new Date(query.from);
  const end = new Date(query.to);
  const spanMinutes = (end.getTime() - start.getTime()) / 60_000;
  const window = STATS_WINDOW_NAMES.find((name) => STATS_WINDOWS[name].spanMinutes >= spanMinutes) ?? "7d";
  const spec = STATS_WINDOWS[window];
  const floorTo = (ms: number) => new Date(Math.floor(start.getTime() / ms) * ms);
  const ceilTo = (ms: number) => new Date(Math.ceil(end.getTime() / ms) * ms);
  return {
    window,
    start,
    now,
    end,
    minuteEnd: ceilTo(60_000),
    nodeBucketEnd: ceilTo(spec.nodeGrainMinutes * 60_000),
    hourEnd: ceilTo(3_600_000),
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
/** Whether the nodes table's URL query sorts or filters by health: served by the health-ranked list (lib/stats/node-table.ts). */
export function rankedByHealth(params: Record<string, string>): boolean {
  return (HEALTH_SORTS as readonly string[]).includes(params.sort ?? "") || Boolean(params.health);
}
/** What the "failing" filter means (lib/stats/node-table.ts implements it). */
export const FAILING_RULE = "at least one failure caused by the node or the network in the last hour (blocks and the target's own errors do not count)";
