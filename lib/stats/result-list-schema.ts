import { z } from "zod";
import { FAULT_CLASS_NAMES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import type { ResultSource } from "@/lib/probe/result-writer";
import { STATS_WINDOW_NAMES, type StatsWindow } from "./windows";

const optionalUuid = z.uuid().optional().or(z.literal("").transform(() => undefined));
/** Who produced a result: scheduled/Test-now probes, the forward-proxy gateway's attempts, callers' reports. */
export const RESULT_SOURCES = ["probe", "gateway", "caller"] as const satisfies readonly ResultSource[];

const optionalTime = z.iso.datetime({ offset: true }).optional().or(z.literal("").transform(() => undefined));

/**
 * The results view's filters (/results, GET /api/ui/results): a window or a custom from/to range,
 * and any of pool, node, target, fault class, bucket, origin, source, "Test now" run. Everything that
 * reaches SQL is a whitelisted name, a uuid or a timestamp, bound as parameters.
 */
export const resultListQuerySchema = z
  .object({
    window: z.enum(STATS_WINDOW_NAMES as [StatsWindow, ...StatsWindow[]]).default("1h"),
    from: optionalTime,
    to: optionalTime,
    poolId: optionalUuid,
    nodeId: optionalUuid,
    targetId: optionalUuid,
    runId: optionalUuid,
    faultClass: z.enum(FAULT_CLASS_NAMES as [FaultClass, ...FaultClass[]]).optional().or(z.literal("").transform(() => undefined)),
    /** 502 / 504 / other_failure / ok, or "failed" = anything not ok. */
    bucket: z.enum(["502", "504", "other_failure", "ok", "failed"]).optional().or(z.literal("").transform(() => undefined)),
    origin: z.enum(["proxy", "network", "target", "unknown"]).optional().or(z.literal("").transform(() => undefined)),
    source: z.enum(RESULT_SOURCES).optional().or(z.literal("").transform(() => undefined)),
    /** Page backwards: results with an id below this one. */
    before: z.string().regex(/^\d{1,19}$/, "a result id").optional().or(z.literal("").transform(() => undefined)),
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from) < new Date(q.to), { message: "from must be before to", path: ["from"] });

export type ResultListQuery = z.output<typeof resultListQuerySchema>;

/** The filters the results view and its links carry (everything but paging). */
export const RESULT_FILTER_KEYS = ["window", "from", "to", "poolId", "nodeId", "targetId", "runId", "faultClass", "bucket", "origin", "source"] as const;

/** A link to the results behind a figure: /results?… with only the given filters. */
export function resultsHref(filters: Partial<Record<(typeof RESULT_FILTER_KEYS)[number], string | undefined>>): string {
  const params = new URLSearchParams();
  for (const key of RESULT_FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return `/results?${params}`;
}
