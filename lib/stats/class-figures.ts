import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { addHistograms, percentileFromHistogram, toHistogram, type Histogram } from "./latency-histogram";

export interface ClassCountRow {
  faultClass: string;
  /** Who was to blame (ProbeResult.faultOrigin); rows without it take their class's default. */
  faultOrigin?: string | null;
  n: bigint | number;
  ms: number | null;
  hist?: ReadonlyArray<number | bigint | string> | null;
}

export interface OriginSplit {
  proxy: number;
  network: number;
  target: number;
  /** Neither path evidence nor a second path could say (no control node, budget spent). */
  unknown: number;
}

export interface ClassFigures {
  requests: number;
  ok: number;
  successRate: number | null;
  count502: number;
  count504: number;
  rate502: number | null;
  rate504: number | null;
  by502: OriginSplit;
  by504: OriginSplit;
  otherFailures: number;
  otherByOrigin: OriginSplit;
  byClass: Partial<Record<FaultClass, number>>;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

const emptySplit = (): OriginSplit => ({ proxy: 0, network: 0, target: 0, unknown: 0 });

/** Folds per-class, per-origin counts (SQL groups by both; the taxonomy maps class → bucket here only). */
export function figuresFromClassRows(rows: readonly ClassCountRow[]): ClassFigures {
  const f: ClassFigures = {
    requests: 0,
    ok: 0,
    successRate: null,
    count502: 0,
    count504: 0,
    rate502: null,
    rate504: null,
    by502: emptySplit(),
    by504: emptySplit(),
    otherFailures: 0,
    otherByOrigin: emptySplit(),
    byClass: {},
    avgMs: null,
    p50Ms: null,
    p95Ms: null,
  };
  let hist: Histogram = toHistogram(null);
  let msSum = 0;
  for (const row of rows) {
    const n = Number(row.n);
    if (n === 0) continue;
    const cls = row.faultClass as FaultClass;
    const spec = FAULT_CLASSES[cls];
    f.requests += n;
    msSum += Number(row.ms ?? 0);
    f.byClass[cls] = (f.byClass[cls] ?? 0) + n;
    if (row.hist) hist = addHistograms(hist, toHistogram(row.hist));
    if (!spec) {
      f.otherFailures += n;
      continue;
    }
    const stored = (row.faultOrigin ?? spec.origin) as keyof OriginSplit | "none";
    const origin = stored === "none" || !(stored in f.by502) ? null : stored;
    if (spec.bucket === "ok") f.ok += n;
    else if (spec.bucket === "502") {
      f.count502 += n;
      if (origin) f.by502[origin] += n;
    } else if (spec.bucket === "504") {
      f.count504 += n;
      if (origin) f.by504[origin] += n;
    } else {
      f.otherFailures += n;
      if (origin) f.otherByOrigin[origin] += n;
    }
  }
  if (f.requests > 0) {
    f.successRate = f.ok / f.requests;
    f.rate502 = f.count502 / f.requests;
    f.rate504 = f.count504 / f.requests;
    f.avgMs = msSum / f.requests;
    f.p50Ms = percentileFromHistogram(hist, 0.5);
    f.p95Ms = percentileFromHistogram(hist, 0.95);
  }
  return f;
}
