import { readdirSync } from "node:fs";
import path from "node:path";
import { prisma } from "./prisma";
import { currentDatabaseOutage, noteDatabaseError, outageReason } from "./database-outage";

export interface DatabaseHealth {
  ok: boolean;
  database: "reachable" | "unreachable";
  migrations: { applied: number; expected: number; pending: string[] };
  /** Why it is not ok, in words safe for anyone (no host, no credentials). */
  reason?: string;
  /** When the current database outage began (as the web role's monitor saw it). */
  unavailableSince?: string;
}

/** Database reachable and every migration in prisma/migrations applied: the service is ready. */
export async function readDatabaseHealth(): Promise<DatabaseHealth> {
  const expected = readdirSync(path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  try {
    const rows = await prisma.$queryRaw<Array<{ migration_name: string }>>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((row) => row.migration_name));
    const pending = expected.filter((name) => !applied.has(name));
    const ok = pending.length === 0;
    return { ok, database: "reachable", migrations: { applied: applied.size, expected: expected.length, pending }, ...(ok ? {} : { reason: `${pending.length} migration(s) not applied` }) };
  } catch (error) {
    noteDatabaseError(error);
    const since = currentDatabaseOutage()?.since;
    return {
      ok: false,
      database: "unreachable",
      migrations: { applied: 0, expected: expected.length, pending: [] },
      reason: outageReason(error),
      ...(since ? { unavailableSince: since.toISOString() } : {}),
    };
  }
}
