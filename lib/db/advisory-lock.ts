import { prisma } from "./prisma";

/**
 * Runs fn only if this instance gets the transaction-scoped advisory lock `key`; other instances
 * skip (returns undefined) instead of waiting, so singleton jobs never run twice at once.
 */
export async function withAdvisoryLock<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
  return prisma.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${key})) AS locked`;
      return locked ? fn() : undefined;
    },
    { timeout: 10 * 60_000, maxWait: 10_000 },
  );
}
