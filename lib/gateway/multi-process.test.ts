import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { createTestUser } from "@/lib/auth/testing";
import { createApiKey } from "@/lib/auth/api-keys";

// Two gateways in two OS processes share nothing but PostgreSQL: they must agree on sticky
// sessions, hear about a disabled node through LISTEN/NOTIFY, and move only that node's sessions.
const ROOT = path.resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];

function startGatewayProcess(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", "./scripts/server-only-hook.mjs", "lib/gateway/testing/gateway-process.ts"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let errors = "";
    child.stderr!.on("data", (chunk) => (errors += chunk));
    child.stdout!.on("data", (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.on("exit", (code) => reject(new Error(`gateway process exited (${code}): ${errors}`)));
  });
}

let urls: string[] = [];
let key = "";
let poolId = "";
const nodeIds: string[] = [];

beforeAll(async () => {
  const admin = await createTestUser("admin");
  key = (await createApiKey(admin.actor, { name: "multi-process", scope: "read" })).key;
  const pool = await prisma.pool.create({ data: { name: `mp-${Math.random().toString(36).slice(2)}` } });
  poolId = pool.id;
  // Sessions move on at staggered moments within the sticky TTL; a week keeps that out of this test.
  await prisma.poolGatewaySettings.create({ data: { poolId, strategy: "random", stickyTtlSeconds: 7 * 86_400 } });
  const base = 100 + Math.floor(Math.random() * 100);
  for (let i = 0; i < 20; i++) {
    const node = await prisma.proxyNode.create({ data: { scheme: "http", host: `172.20.${base}.${i + 1}`, port: 3128 } });
    nodeIds.push(node.id);
    await prisma.poolMembership.create({ data: { poolId, nodeId: node.id } });
  }
  urls = await Promise.all([startGatewayProcess(), startGatewayProcess()]);
}, 60_000);

afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
});

async function pick(url: string, session: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/pools/${poolId}/proxy?session=${session}`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { proxies: Array<{ nodeId: string }> }).proxies[0].nodeId;
}

describe("sticky sessions across two gateway processes", () => {
  it("agree, and a disabled node moves only its own sessions in both", async () => {
    const sessions = Array.from({ length: 200 }, (_, i) => `client-${i}`);
    const before = new Map<string, string>();
    for (const session of sessions) {
      const [a, b] = await Promise.all(urls.map((url) => pick(url, session)));
      expect(b).toBe(a);
      before.set(session, a);
    }
    const failed = [...before.values()][0];
    await prisma.proxyNode.update({ where: { id: failed }, data: { state: "DISABLED", stateReason: "multi-process test" } });

    // No call between them: each process learns of the change from PostgreSQL's NOTIFY.
    await expect.poll(async () => (await Promise.all(urls.map((url) => pick(url, sessions[[...before.values()].indexOf(failed)])))).includes(failed), { timeout: 10_000 }).toBe(false);
    let moved = 0;
    for (const session of sessions) {
      const [a, b] = await Promise.all(urls.map((url) => pick(url, session)));
      expect(b).toBe(a);
      if (before.get(session) === failed) {
        expect(a).not.toBe(failed);
        moved++;
      } else expect(a).toBe(before.get(session));
    }
    expect(moved).toBeGreaterThan(0);
    expect(nodeIds).toContain(failed);
  }, 60_000);
});
