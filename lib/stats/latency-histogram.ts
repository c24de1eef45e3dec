import { Prisma } from "@/generated/prisma/client";

/**
 * Fixed log-scale latency histogram stored with every rollup row (an int[] of HIST_BUCKETS
 * counts), so percentiles survive aggregation: histograms add element-wise, percentiles do not.
 *
 * Bucket 0 is [0, 10 ms); bucket k (1…38) is [10·2^((k−1)/3), 10·2^(k/3)) ms, i.e. three buckets
 * per doubling (each ≈ 26 % wide, so an interpolated percentile is within ≈ ±13 % of the exact
 * one); bucket 39 is everything from ≈ 65 s up. The SQL below is generated from these constants
 * only (never from input), so it is safe to splice in with Prisma.raw.
 */
export const HIST_BUCKETS = 40;
const BASE_MS = 10;
const PER_DOUBLING = 3;

export function bucketLowerMs(k: number): number {
  return k === 0 ? 0 : BASE_MS * 2 ** ((k - 1) / PER_DOUBLING);
}
export function bucketUpperMs(k: number): number {
  return k >= HIST_BUCKETS - 1 ? Infinity : BASE_MS * 2 ** (k / PER_DOUBLING);
}

export function histogramIndex(ms: number): number {
  if (!(ms >= BASE_MS)) return 0;
  return Math.min(HIST_BUCKETS - 1, 1 + Math.floor(PER_DOUBLING * Math.log2(ms / BASE_MS)));
}

/** SQL: the bucket index of a latency column (double precision ms). */
export function histIndexSql(column: string): Prisma.Sql {
  return Prisma.raw(
    `(CASE WHEN ${column} < ${BASE_MS} OR ${column} IS NULL THEN 0 ELSE LEAST(${HIST_BUCKETS - 1}, 1 + floor(${PER_DOUBLING} * ln(${column} / ${BASE_MS}.0) / ln(2.0)))::int END)`,
  );
}

const indexes = Array.from({ length: HIST_BUCKETS }, (_, k) => k);

/**
 * SQL aggregate: a histogram of rows already counted per bucket index (`GROUP BY …, idx` with
 * `count(*) AS n` below it). Counting per index first is one hash-aggregate step per raw row;
 * building the array straight from raw rows evaluated 40 FILTER clauses on every row, which made
 * the overview's raw tail cost 3–4x the other dashboard queries' under sustained ingest.
 */
export function histFromIndexCountsSql(indexColumn: string, countColumn: string): Prisma.Sql {
  return Prisma.raw(`ARRAY[${indexes.map((k) => `coalesce(sum(${countColumn}) FILTER (WHERE ${indexColumn} = ${k}), 0)`).join(", ")}]::int8[]`);
}

/** SQL aggregate: element-wise sum of histogram arrays (bigint-safe, returned as int8[]). */
export function histSumSql(column: string): Prisma.Sql {
  return Prisma.raw(`ARRAY[${indexes.map((k) => `coalesce(sum(${column}[${k + 1}]), 0)`).join(", ")}]::int8[]`);
}

/** SQL expression: element-wise sum of two histogram arrays (for ON CONFLICT DO UPDATE). */
export function histAddSql(left: string, right: string): Prisma.Sql {
  return Prisma.raw(`ARRAY[${indexes.map((k) => `coalesce(${left}[${k + 1}], 0) + coalesce(${right}[${k + 1}], 0)`).join(", ")}]::int[]`);
}

export type Histogram = number[];

export function toHistogram(value: ReadonlyArray<number | bigint | string> | null | undefined): Histogram {
  const out = new Array<number>(HIST_BUCKETS).fill(0);
  value?.forEach((v, k) => {
    if (k < HIST_BUCKETS) out[k] = Number(v);
  });
  return out;
}

export function addHistograms(a: Histogram, b: Histogram): Histogram {
  return a.map((v, k) => v + (b[k] ?? 0));
}

/**
 * The p-quantile (0…1) of a histogram, interpolated geometrically inside its bucket (linearly in
 * bucket 0). null when the histogram is empty.
 */
export function percentileFromHistogram(hist: Histogram, p: number): number | null {
  const total = hist.reduce((sum, v) => sum + v, 0);
  if (total === 0) return null;
  const rank = Math.max(1e-9, p * total);
  let before = 0;
  for (let k = 0; k < hist.length; k++) {
    const n = hist[k];
    if (n > 0 && before + n >= rank) {
      const f = (rank - before) / n;
      const lower = bucketLowerMs(k);
      const upper = bucketUpperMs(k);
      if (k === 0) return lower + (upper - lower) * f;
      if (!Number.isFinite(upper)) return lower;
      return lower * (upper / lower) ** f;
    }
    before += n;
  }
  return bucketLowerMs(hist.length - 1);
}
