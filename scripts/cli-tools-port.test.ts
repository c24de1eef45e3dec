import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { findFreePort } from "@/lib/net/free-port";

// `npm start` with SWITCHYARD_PG_PORT=auto runs its database on a port nobody configured; the
// CLI tools must find it through the data folder, not through SWITCHYARD_PG_PORT.
const folder = mkdtempSync(path.join(tmpdir(), "switchyard-cli-port-"));
let database: EmbeddedDatabase;
beforeAll(async () => {
  database = await startEmbeddedPostgres({ dataDir: folder, port: await findFreePort(), throwAway: true });
  await applyMigrations(database.url);
}, 120_000);
afterAll(async () => {
  await database?.stop();
  rmSync(folder, { recursive: true, force: true });
});

function spawnScript(script: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_DATA_DIR: folder, SWITCHYARD_PG_PORT: "auto" };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-only-hook.mjs", script, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  const state = { output: "" };
  child.stdout.on("data", (chunk) => (state.output += String(chunk)));
  child.stderr.on("data", (chunk) => (state.output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, state, exited };
}

async function runScript(script: string, args: string[], stdin: string): Promise<{ code: number | null; output: string }> {
  const { child, state, exited } = spawnScript(script, args);
  child.stdin.end(stdin);
  const code = await exited;
  return { code, output: state.output };
}

async function queryRows(sql: string) {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("CLI tools with SWITCHYARD_PG_PORT=auto", () => {
  it("create-admin connects to the running embedded server on the port it recorded", async () => {
    const result = await runScript("scripts/create-admin.ts", ["--email", "auto-port@example.com", "--password-stdin"], "correct horse battery staple 42\n");
    expect(result.output).toContain("Created admin auto-port@example.com");
    expect(result.code).toBe(0);
    expect(await queryRows(`SELECT role::text FROM "User" WHERE email = 'auto-port@example.com'`)).toEqual([{ role: "admin" }]);
  }, 60_000);

  it("lab --register finds the running database and registers the demo pool there", async () => {
    const lab = spawnScript("scripts/lab.ts", ["--register"]);
    try {
      const outcome = await Promise.race([
        lab.exited.then((code) => `exited ${code}`),
        (async () => {
          while (!/registered \d+ lab proxies/.test(lab.state.output)) await new Promise((resolve) => setTimeout(resolve, 100));
          return "registered";
        })(),
      ]);
      expect(outcome, lab.state.output).toBe("registered");
      const [pool] = await queryRows(`SELECT count(m."nodeId")::int AS nodes FROM "Pool" p JOIN "PoolMembership" m ON m."poolId" = p.id WHERE p.name = 'lab-demo'`);
      expect(pool.nodes).toBeGreaterThan(5);
    } finally {
      lab.child.kill("SIGTERM");
      await lab.exited;
    }
  }, 90_000);
});
