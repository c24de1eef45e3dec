import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort } from "@/lib/net/free-port";
import { startEmbeddedPostgres } from "./embedded-postgres";

const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-embedded-test-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
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
});
