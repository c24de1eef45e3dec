/**
 * Background work in bounded steps: each step is one short transaction over at most a chunk of
 * rows; steps repeat until the work is done or the time budget is spent, and the rest waits for
 * the next round. No job ever holds one transaction over a whole backlog (Prisma's interactive
 * transactions time out after 5 s; a long one also holds back vacuum and blocks other writers).
 */
export interface BoundedRun {
  /** Rows handled over all steps. */
  rows: number;
  steps: number;
  /** True when the last step said there was nothing more; false when the budget ran out first. */
  done: boolean;
  elapsedMs: number;
}

export async function runBounded(step: () => Promise<{ rows: number; more: boolean }>, budgetMs: number): Promise<BoundedRun> {
  const started = performance.now();
  let rows = 0;
  let steps = 0;
  for (;;) {
    const result = await step();
    rows += result.rows;
    steps++;
    if (!result.more) return { rows, steps, done: true, elapsedMs: performance.now() - started };
    if (performance.now() - started >= budgetMs) return { rows, steps, done: false, elapsedMs: performance.now() - started };
  }
}
