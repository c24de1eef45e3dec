import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { withAdvisoryLock } from "./advisory-lock";
import { prisma } from "./prisma";

// Longer than an interactive transaction may stay open (5 s): the job must not run inside one.
const LONGER_THAN_A_TRANSACTION_MS = 5_500;

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await sleep(20);
  }
}

/** The sessions holding the advisory lock `key`, with whether each has a transaction open. */
async function lockHolders(key: string): Promise<Array<{ state: string; inTransaction: boolean }>> {
  // A bigint advisory key is stored as classid (high 32 bits) and objid (low 32 bits).
  return prisma.$queryRaw`
    SELECT a.state, a.xact_start IS NOT NULL AS "inTransaction" FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(${key})::bigint`;
}

describe("withAdvisoryLock", () => {
  it("a job that runs longer than a transaction may completes under the lock, in short transactions; a second caller is refused meanwhile", async () => {
    const key = `test:long-job:${randomUUID()}`;
    let stop = false;
    let chunks = 0;
    const started = Date.now();
    const job = withAdvisoryLock(key, async () => {
      // The job's own work: bounded chunks, each its own short transaction.
      while (!stop) {
        await prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`);
        chunks++;
        await sleep(100);
      }
      return "finished";
    });
    await until(() => chunks > 0 && Date.now() - started > LONGER_THAN_A_TRANSACTION_MS);

    let secondRan = false;
    expect(await withAdvisoryLock(key, async () => void (secondRan = true))).toBeUndefined();
    expect(secondRan).toBe(false);
    // Held by exactly one session, which has no transaction open (the old lock was a transaction's).
    const holders = await lockHolders(key);
    expect(holders).toHaveLength(1);
    expect(holders[0].inTransaction).toBe(false);

    stop = true;
    await expect(job).resolves.toBe("finished");
    expect(await lockHolders(key)).toEqual([]);
    expect(await withAdvisoryLock(key, async () => "next round")).toBe("next round");
  }, 60_000);

  it("releases the lock when the job throws, and passes the error on", async () => {
    const key = `test:failing-job:${randomUUID()}`;
    await expect(
      withAdvisoryLock(key, async () => {
        expect(await lockHolders(key)).toHaveLength(1);
        throw new Error("job failed");
      }),
    ).rejects.toThrow("job failed");
    expect(await lockHolders(key)).toEqual([]);
    expect(await withAdvisoryLock(key, async () => "ran")).toBe("ran");
  });
});
