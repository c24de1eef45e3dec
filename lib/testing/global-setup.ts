import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded-postgres";
import { applyMigrations } from "../db/migrate";
import { findFreePort } from "../net/free-port";

/**
 * Starts one throw-away embedded PostgreSQL on a free port for the whole test run, applies the
 * real migrations, and hands the URL to every test worker. Set TEST_DATABASE_URL to use another.
 */
export default async function setup(project: TestProject) {
  let database: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-test-db-"));
    database = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), throwAway: true });
    url = database.url;
  }
  // One directory per run: lab ports are handed out once across all test files (lib/net/free-port.ts).
  const portRegistry = mkdtempSync(path.join(tmpdir(), "switchyard-test-ports-"));
  process.env.SWITCHYARD_TEST_PORT_REGISTRY = portRegistry;
  project.provide("portRegistry", portRegistry);
  await applyMigrations(url);
  project.provide("databaseUrl", url);
  return async () => {
    await database?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    rmSync(portRegistry, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    portRegistry: string;
  }
}
