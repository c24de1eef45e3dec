/**
 * How a benchmark hands its figures to `npm run bench` (scripts/bench-all.ts): one line per
 * figure, `BENCH-FIGURE {json}` on stdout. A bench run on its own prints them too (harmless).
 * BENCH_SHORT=1 asks for the short mode the suite uses (smaller sizes, fewer runs; same code path).
 */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** The figure we promise; `better` says which side of it holds. */
  goal: number;
  better: "higher" | "lower";
}

export const BENCH_SHORT = process.env.BENCH_SHORT === "1";
export const FIGURE_PREFIX = "BENCH-FIGURE ";

export function reportFigure(figure: BenchFigure): void {
  console.log(`${FIGURE_PREFIX}${JSON.stringify(figure)}`);
}

export function figureHolds(figure: BenchFigure): boolean {
  return figure.better === "higher" ? figure.value >= figure.goal : figure.value <= figure.goal;
}
