import { readdirSync } from "node:fs";
import path from "node:path";
import { prisma } from "./prisma";

export interface DatabaseHealth {
  ok: boolean;
  database: "reachable" | "unreachable";
  migrations: { applied: number; expected: number; pending: string[] };
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
    return { ok: pending.length === 0, database: "reachable", migrations: { applied: applied.size, expected: expected.length, pending } };
  } catch {
    return { ok: false, database: "unreachable", migrations: { applied: 0, expected: expected.length, pending: [] } };
  }
}
