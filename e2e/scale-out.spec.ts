import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { findFreePort } from "@/lib/net/free-port";
import { ALL_POOLS_KEY } from "@/lib/stats/windows";

// Issue 15, scale-out: two web and two worker processes — the product's own start script with
// SWITCHYARD_ROLES — on one PostgreSQL that stands in for an external server (a second embedded
// one, started here), probing real lab proxies on 127.0.0.1. It does not use the suite's e2e
// server. Checks: no scheduled probe runs twice, every result is counted once in the rollups, a
// control made through one web instance shows on the other within the live interval (4 s), and
// kill -9 of a worker mid-round loses no scheduled work (its leases expire, the other worker takes them).
test.describe.configure({ mode: "serial" });

const INTERVAL_SECONDS = 10;
const LIVE_INTERVAL_MS = 4_000;
const HEALTHY = 16;
const SLOW = 8;
const SLOW_MS = 4_000;

let dataDir: string;
let database: EmbeddedDatabase;
let db: pg.Client;
let lab: FaultLab;
const processes: Array<{ name: string; child: ChildProcess; output: string[] }> = [];
const poolId = randomUUID();
const targetId = randomUUID();
const nodes: Array<{ id: string; slow: boolean }> = [];
const apiKey = `sy_${randomBytes(5).toString("hex")}_${randomBytes(32).toString("base64url")}`;
const webUrls: string[] = [];

function startProcess(name: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-only-hook.mjs", "scripts/start.ts"], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      SWITCHYARD_SECRET_KEY: Buffer.alloc(32, 15).toString("base64"),
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_SKIP_BUILD: "1",
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: "1",
      // Eight checks in flight per worker: both workers get a share of the 24 nodes.
      SWITCHYARD_PROBE_MAX_IN_FLIGHT: "8",
      NEXT_TELEMETRY_DISABLED: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(String(chunk));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  processes.push({ name, child, output });
  return child;
}

async function api(base: string, pathname: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${pathname}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers } });
}

async function workerIds(): Promise<Map<number, string>> {
  const { rows } = await db.query<{ pid: number; workerId: string }>(`SELECT "pid", "workerId" FROM "ProbeWorkerStatus"`);
  return new Map(rows.map((r) => [r.pid, r.workerId]));
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-scale-out-"));
  database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "external-pg"), port: await findFreePort(), throwAway: true });
  await applyMigrations(database.url);
  db = new pg.Client({ connectionString: database.url });
  await db.connect();

  lab = await startFaultLab({
    proxies: [
      ...Array.from({ length: HEALTHY }, (_, i) => ({ name: `healthy-${i}`, kind: "http" as const })),
      ...Array.from({ length: SLOW }, (_, i) => ({ name: `slow-${i}`, kind: "http" as const, behaviour: { kind: "slow" as const, delayMs: SLOW_MS } })),
    ],
  });
  for (let i = 0; i < HEALTHY; i++) nodes.push({ id: randomUUID(), slow: false });
  for (let i = 0; i < SLOW; i++) nodes.push({ id: randomUUID(), slow: true });
  const ports = nodes.map((node, i) => lab.proxy(node.slow ? `slow-${i - HEALTHY}` : `healthy-${i}`).port);

  await db.query(`INSERT INTO "Pool" ("id", "name", "updatedAt") VALUES ($1, 'scale-out', now())`, [poolId]);
  await db.query(`INSERT INTO "ProbeTarget" ("id", "url", "name") VALUES ($1, $2, 'lab ok')`, [targetId, `${lab.httpTarget.baseUrl}/ok`]);
  await db.query(
    `INSERT INTO "ProxyNode" ("id", "scheme", "host", "port", "label", "updatedAt")
     SELECT id, 'http', '127.0.0.1', port, 'scale-out ' || port, now() FROM unnest($1::uuid[], $2::int[]) AS n(id, port)`,
    [nodes.map((n) => n.id), ports],
  );
  await db.query(`INSERT INTO "PoolMembership" ("poolId", "nodeId") SELECT $1, unnest($2::uuid[])`, [poolId, nodes.map((n) => n.id)]);
  // The stored form of an API key is its SHA-256 (lib/auth/api-keys.ts).
  await db.query(
    `INSERT INTO "ApiKey" ("id", "name", "prefix", "hash", "scope", "createdBy") VALUES (gen_random_uuid(), 'scale-out test', $1, $2, 'admin', 'scale-out test')`,
    [apiKey.split("_")[1], createHash("sha256").update(apiKey).digest("hex")],
  );

  const webPorts = [await findFreePort(), await findFreePort()];
  for (const [i, port] of webPorts.entries()) {
    startProcess(`web-${i + 1}`, { SWITCHYARD_ROLES: "web", PORT: String(port) });
    webUrls.push(`http://127.0.0.1:${port}`);
  }
  startProcess("worker-1", { SWITCHYARD_ROLES: "worker" });
  startProcess("worker-2", { SWITCHYARD_ROLES: "worker" });
  try {
    for (const base of webUrls)
      await expect.poll(async () => (await fetch(`${base}/api/health`).catch(() => null))?.status, { timeout: 150_000, intervals: [500] }).toBe(200);
  } catch (error) {
    await attachLogs();
    throw error;
  }
  // Probing starts once every process is up, so both workers find the first due nodes.
  await db.query(
    `INSERT INTO "PoolProbeSettings" ("poolId", "enabled", "intervalSeconds", "targetIds", "updatedAt") VALUES ($1, true, $2, ARRAY[$3]::uuid[], now())`,
    [poolId, INTERVAL_SECONDS, targetId],
  );
});

test.afterAll(async () => {
  for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(processes.map(({ child }) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once("exit", resolve)))));
  await db?.end();
  await lab?.close();
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("two web and two worker processes share one database without doing work twice or losing it", async () => {
  test.setTimeout(240_000);
  try {
    await scaleOut();
  } catch (error) {
    await attachLogs();
    throw error;
  }
});

async function attachLogs() {
  for (const { name, output } of processes) await test.info().attach(`${name}.log`, { body: output.join(""), contentType: "text/plain" });
}

async function scaleOut() {
  const [webA, webB] = webUrls;
  const worker2 = processes.find((p) => p.name === "worker-2")!.child;

  await test.step("both workers probe the pool", async () => {
    await expect.poll(async () => (await workerIds()).size, { timeout: 30_000 }).toBe(2);
    // Each worker's heartbeat reports the results it wrote: both take a share of the nodes.
    const working = new Set<string>();
    await expect
      .poll(
        async () => {
          const { rows } = await db.query<{ workerId: string }>(`SELECT "workerId" FROM "ProbeWorkerStatus" WHERE "resultsPerSecond" > 0`);
          for (const row of rows) working.add(row.workerId);
          return working.size;
        },
        { timeout: 60_000, intervals: [1_000] },
      )
      .toBe(2);
    await expect
      .poll(async () => Number((await db.query(`SELECT count(DISTINCT "nodeId") AS n FROM "ProbeResult"`)).rows[0].n), { timeout: 60_000 })
      .toBe(nodes.length);
  });

  const disabled = nodes.find((n) => !n.slow)!;
  await test.step("a control made through one web instance shows on the other within the live interval", async () => {
    const checkoutIds = async (base: string) => {
      const response = await api(base, `/api/v1/pools/${poolId}/proxy?count=100`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { proxies: Array<{ nodeId: string }> }).proxies.map((p) => p.nodeId);
    };
    await expect.poll(() => checkoutIds(webB), { timeout: 30_000 }).toContain(disabled.id);
    const response = await api(webA, `/api/v1/nodes/${disabled.id}/state`, { method: "POST", body: JSON.stringify({ state: "DISABLED", reason: "scale-out test" }) });
    expect(response.status).toBe(200);
    const changedAt = Date.now();
    // The other instance's checkout answers from its in-memory index (refreshed on the change's
    // notification): the node leaves it within the live interval. Its REST and pages read the database.
    await expect.poll(() => checkoutIds(webB), { timeout: LIVE_INTERVAL_MS, intervals: [100] }).not.toContain(disabled.id);
    expect(Date.now() - changedAt).toBeLessThanOrEqual(LIVE_INTERVAL_MS);
    expect(((await (await api(webB, `/api/v1/nodes/${disabled.id}`)).json()) as { state: string }).state).toBe("DISABLED");
  });
  const disabledAt = new Date();

  let killedAt = new Date();
  let orphaned: Array<{ nodeId: string; leaseUntil: Date }> = [];
  await test.step("kill -9 of a worker in the middle of its checks", async () => {
    const worker2Id = (await workerIds()).get(worker2.pid!);
    expect(worker2Id).toBeTruthy();
    // Wait until worker 2 holds a slow node's lease (a check in flight for 4 s), then kill it.
    await expect
      .poll(async () => Number((await db.query(`SELECT count(*) AS n FROM "NodeProbeLease" WHERE "leaseOwner" = $1 AND "leaseUntil" > now() AND "nodeId" = ANY($2::uuid[])`, [worker2Id, nodes.filter((n) => n.slow).map((n) => n.id)])).rows[0].n), { timeout: 60_000, intervals: [100] })
      .toBeGreaterThan(0);
    worker2.kill("SIGKILL");
    killedAt = new Date();
    await new Promise((resolve) => worker2.once("exit", resolve));
    orphaned = (await db.query<{ nodeId: string; leaseUntil: Date }>(`SELECT "nodeId", "leaseUntil" FROM "NodeProbeLease" WHERE "leaseOwner" = $1 AND "leaseUntil" > now()`, [worker2Id])).rows;
    expect(orphaned.length).toBeGreaterThan(0);
  });

  await test.step("the dead worker's nodes are taken by the other worker once their leases expire", async () => {
    const leaseExpiry = Math.max(...orphaned.map((o) => o.leaseUntil.getTime()));
    // Every enabled node — the orphaned ones included — gets a result after the last orphaned lease ran out.
    await expect
      .poll(
        async () =>
          Number((await db.query(`SELECT count(DISTINCT "nodeId") AS n FROM "ProbeResult" WHERE "startedAt" > $1 AND "nodeId" <> $2`, [new Date(leaseExpiry), disabled.id])).rows[0].n),
        { timeout: 120_000, intervals: [1_000] },
      )
      .toBe(nodes.length - 1);
    // Nobody probed an orphaned node while its lease was still held by the dead worker.
    for (const { nodeId, leaseUntil } of orphaned) {
      const { rows } = await db.query<{ first: Date }>(`SELECT min("startedAt") AS first FROM "ProbeResult" WHERE "nodeId" = $1 AND "startedAt" > $2`, [nodeId, killedAt]);
      expect(rows[0].first.getTime()).toBeGreaterThanOrEqual(leaseUntil.getTime());
    }
  });

  await test.step("no scheduled probe ran twice, and the disabled node was left alone", async () => {
    // One target per node: one result per round. The scheduler never puts a node's next round less
    // than half its interval after the last claim (its slot grid, lib/probe/probe-scheduler.ts), while
    // a round run by both workers would leave two results within the milliseconds a claim takes (or
    // a slow check's 4 s, when it would overlap the other): closer than a quarter of the interval, or
    // a check starting before the previous one of that node ended, means a round ran twice.
    const { rows } = await db.query<{ nodeId: string; rounds: number; closest: number | null; overlap: number | null }>(`
      SELECT "nodeId", count(*)::int AS rounds, min(gap) AS closest, min(free) AS overlap FROM (
        SELECT "nodeId",
               extract(epoch FROM "startedAt" - lag("startedAt") OVER w)::float8 AS gap,
               extract(epoch FROM "startedAt" - lag("startedAt" + "totalMs" * interval '1 millisecond') OVER w)::float8 AS free
        FROM "ProbeResult" WINDOW w AS (PARTITION BY "nodeId" ORDER BY "startedAt")) r GROUP BY 1`);
    expect(rows.length).toBe(nodes.length);
    for (const row of rows) {
      if (row.nodeId === disabled.id) continue;
      // At least two rounds (a node of the killed worker may have lost one to the kill): one gap to measure.
      expect(row.rounds, `rounds of ${row.nodeId}`).toBeGreaterThanOrEqual(2);
      expect(row.closest!, `closest two results of ${row.nodeId}`).toBeGreaterThan(INTERVAL_SECONDS * 0.25);
      expect(row.overlap!, `time between one check's end and the next check of ${row.nodeId}`).toBeGreaterThanOrEqual(0);
    }
    // Nothing started on the disabled node after the control (a check in flight then may finish).
    const { rows: after } = await db.query(`SELECT 1 FROM "ProbeResult" WHERE "nodeId" = $1 AND "startedAt" > $2`, [disabled.id, new Date(disabledAt.getTime() + SLOW_MS)]);
    expect(after).toEqual([]);
  });

  await test.step("every result is counted once in the rollups and in both web instances' figures", async () => {
    // Two workers ran the rollup (one of them killed): wait until it has folded at least one minute.
    const { rows: first } = await db.query<{ first: Date }>(`SELECT min("startedAt") AS first FROM "ProbeResult"`);
    const firstMinuteEnd = (Math.floor(first[0].first.getTime() / 60_000) + 1) * 60_000;
    await expect
      .poll(async () => ((await db.query<{ mark: Date }>(`SELECT "rolledUpTo" AS mark FROM "ProbeRollupWatermark" WHERE "name" = 'stats'`)).rows[0]?.mark.getTime() ?? 0), { timeout: 150_000, intervals: [2_000] })
      .toBeGreaterThanOrEqual(firstMinuteEnd);
    const { rows } = await db.query<Record<string, string>>(
      `WITH w AS (SELECT "rolledUpTo" AS mark FROM "ProbeRollupWatermark" WHERE "name" = 'stats')
       SELECT (SELECT count(*) FROM "ProbeResult", w WHERE "startedAt" < w.mark) AS raw,
              (SELECT sum("count") FROM "StatsRollupMinute" WHERE "poolKey" = $1::uuid) AS fleet,
              (SELECT sum("count") FROM "StatsRollupMinute" WHERE "poolKey" = $2::uuid) AS pool,
              (SELECT sum("count") FROM "StatsRollupNode" WHERE "grainMinutes" = 5) AS node5,
              (SELECT sum("count") FROM "StatsRollupNode" WHERE "grainMinutes" = 60) AS node60,
              (SELECT sum("count") FROM "StatsRollupNodeTarget") AS "nodeTarget"`,
      [ALL_POOLS_KEY, poolId],
    );
    const counts = Object.values(rows[0]).map(Number);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts).toEqual(counts.map(() => counts[0]));
    // Rollups + raw tail through either web instance: the same total as the raw rows.
    for (const base of [webA, webB]) {
      const before = Number((await db.query(`SELECT count(*) AS n FROM "ProbeResult"`)).rows[0].n);
      const stats = (await (await api(base, `/api/v1/stats?window=15m&poolId=${poolId}`)).json()) as { total: number };
      const after = Number((await db.query(`SELECT count(*) AS n FROM "ProbeResult"`)).rows[0].n);
      expect(stats.total).toBeGreaterThanOrEqual(before);
      expect(stats.total).toBeLessThanOrEqual(after);
    }
  });
}
