import pg from "pg";

/**
 * Runs fn only if this instance gets the advisory lock `key`; other instances skip (returns
 * undefined) instead of waiting, so singleton jobs never run twice at once.
 *
 * The lock is session-level, held by a connection of its own that runs nothing else: the job's
 * work goes through the shared client in its own short transactions (bounded chunks), so a job
 * may run as long as it needs without an open transaction (which would time out, pin a pooled
 * connection and hold back vacuum). The lock is released when fn ends or throws; if the lock's
 * connection drops, PostgreSQL releases it with the session.
 */
export async function withAdvisoryLock<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set (npm start sets it for the embedded database).");
  const session = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000, application_name: `switchyard lock ${key}`.slice(0, 63) });
  // A dropped lock connection must not end the process: the session's end released the lock.
  session.on("error", () => undefined);
  await session.connect();
  try {
    const { rows } = await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [key]);
    if (!rows[0].locked) return undefined;
    try {
      return await fn();
    } finally {
      await session.query("SELECT pg_advisory_unlock(hashtext($1))", [key]).catch(() => undefined);
    }
  } finally {
    await session.end().catch(() => undefined);
  }
}
