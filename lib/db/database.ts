import path from "node:path";
import { dataDir } from "@/lib/config/data-dir";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { applyMigrations } from "./migrate";
import { findFreePort } from "@/lib/net/free-port";

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL set: use that server and start nothing. Unset: start the embedded PostgreSQL on
 * the project-local data folder. Either way, apply pending migrations before anything serves.
 */
export async function openDatabase(options: { migrate: boolean; log: (line: string) => void }): Promise<Database> {
  let database: Database;
  if (process.env.DATABASE_URL) {
    database = { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
    options.log(`database: external (${redactUrl(process.env.DATABASE_URL)})`);
  } else {
    const folder = dataDir();
    // "auto" picks a free port: test and CI runs that must not collide with a running instance.
    const port = process.env.SWITCHYARD_PG_PORT === "auto" ? await findFreePort() : Number(process.env.SWITCHYARD_PG_PORT ?? 54329);
    const started = Date.now();
    const embedded = await startEmbeddedPostgres({ dataDir: folder, port });
    database = { url: embedded.url, embedded: true, stop: embedded.stop };
    process.env.DATABASE_URL = embedded.url;
    options.log(`database: embedded PostgreSQL 17 on 127.0.0.1:${port}, data in ${path.relative(process.cwd(), folder) || folder} (${Date.now() - started} ms)`);
  }
  if (options.migrate) {
    const started = Date.now();
    await applyMigrations(database.url);
    options.log(`database: migrations applied (${Date.now() - started} ms)`);
  }
  return database;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
