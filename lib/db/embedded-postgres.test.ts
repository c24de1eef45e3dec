import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort } from "@/lib/net/free-port";
import { isProcessAlive, readInstanceRecord } from "./embedded-instance";
import { runningEmbeddedDatabaseUrl, startEmbeddedPostgres } from "./embedded-postgres";

const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-embedded-test-"));
const owners: ChildProcess[] = [];
afterAll(() => {
  for (const owner of owners) if (owner.exitCode === null && owner.signalCode === null) owner.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A separate process that starts the embedded server on `folder` and keeps it, like `npm start`. */
async function startOwnerProcess(folder: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "testing/embedded-owner.ts"), folder, String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  owners.push(child);
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += String(chunk);
      const ready = /ready (\S+)/.exec(output);
      if (ready) resolve(ready[1]);
    });
    child.stderr!.on("data", (chunk) => (output += String(chunk)));
    child.on("exit", (code) => reject(new Error(`owner exited (${code}) before the server was ready:\n${output}`)));
  });
  return { child, url };
}

describe("embedded PostgreSQL", () => {
  it("keeps data across restarts and refuses a second server on the same folder", async () => {
    const first = await startEmbeddedPostgres({ dataDir, port: await findFreePort() });
    await query(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");

    await expect(startEmbeddedPostgres({ dataDir, port: await findFreePort() })).rejects.toThrow(/already running on this data folder/);
    // The refused start must not have harmed the running cluster.
    expect(await query(first.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port: await findFreePort() });
    try {
      expect(await query(second.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("after kill -9 of its owner, the next start stops the orphaned server cleanly; a live owner's server is never touched", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "switchyard-orphan-test-"));
    try {
      const port = await findFreePort();
      const owner = await startOwnerProcess(folder, port);
      await query(owner.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives kill -9')");
      const record = readInstanceRecord(folder)!;
      expect(record.ownerPid).toBe(owner.child.pid);

      // Owner alive: another start on the folder is refused and leaves the owner's server running.
      await expect(startEmbeddedPostgres({ dataDir: folder, port: await findFreePort() })).rejects.toThrow(/Another Switchyard is already running/);
      expect(await query(owner.url, "SELECT v FROM kept")).toEqual([{ v: "survives kill -9" }]);

      const exited = new Promise((resolve) => owner.child.once("exit", resolve));
      owner.child.kill("SIGKILL");
      await exited;
      // The real failure mode: PostgreSQL survives its owner and still holds the folder.
      expect(isProcessAlive(record.postmasterPid)).toBe(true);

      const restarted = await startEmbeddedPostgres({ dataDir: folder, port });
      try {
        expect(isProcessAlive(record.postmasterPid)).toBe(false);
        expect(await query(restarted.url, "SELECT v FROM kept")).toEqual([{ v: "survives kill -9" }]);
        expect(readInstanceRecord(folder)?.ownerPid).toBe(process.pid);
      } finally {
        await restarted.stop();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);

  it("records the port it runs on, so tools find it with SWITCHYARD_PG_PORT=auto; nothing once stopped", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "switchyard-port-test-"));
    try {
      const database = await startEmbeddedPostgres({ dataDir: folder, port: await findFreePort() });
      expect(runningEmbeddedDatabaseUrl(folder)).toBe(database.url);
      await database.stop();
      expect(runningEmbeddedDatabaseUrl(folder)).toBeNull();
      expect(readInstanceRecord(folder)).toBeNull();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
