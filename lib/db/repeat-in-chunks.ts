/**
 * Runs a statement that changes at most `chunk` rows again and again until it changes fewer (the
 * backlog is done) or the deadline passes (behind: the next round of the job goes on). Keeps
 * background clean-ups to short statements whatever the backlog.
 */
export async function repeatInChunks(statement: () => Promise<number>, options: { chunk: number; deadline: number }): Promise<{ changed: number; behind: boolean }> {
  let changed = 0;
  for (;;) {
    const count = await statement();
    changed += count;
    if (count < options.chunk) return { changed, behind: false };
    if (Date.now() > options.deadline) return { changed, behind: true };
  }
}
