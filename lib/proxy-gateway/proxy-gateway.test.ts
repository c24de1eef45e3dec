import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { SocksClient } from "socks";
import { ProxyAgent, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/auth/api-keys";
import { createTestUser } from "@/lib/auth/testing";
import { prisma } from "@/lib/db/prisma";
import { evaluateHealth } from "@/lib/health/health-machine";
import type { LabProxySpec } from "@/lib/lab/fault-lab";
import { formatProxyUser } from "./proxy-user";
import { getThrough, proxyAuthorization, startGatewayFixture, type GatewayFixture } from "./testing/gateway-fixture";

// A third of the pool is broken the ways real pools break: own 502, own 504, hang, refuse.
const HEALTHY = Array.from({ length: 8 }, (_, i): LabProxySpec => ({ name: `ok-${i}`, kind: "http" }));
const FAULTY: LabProxySpec[] = [
  { name: "bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" } },
  { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
  { name: "hang", kind: "http", behaviour: { kind: "hang" } },
  { name: "refuse", kind: "http", behaviour: { kind: "refuse" } },
];
const FAULTY_NAMES = FAULTY.map((p) => p.name);

let f: GatewayFixture;
let auth: string;
let ca: string;

beforeAll(async () => {
  f = await startGatewayFixture({
    proxies: [...HEALTHY, ...FAULTY],
    // 5 attempts > 4 faulty nodes: every request reaches a healthy node whatever the order.
    settings: { maxAttempts: 5, connectTimeoutMs: 2_000, firstByteTimeoutMs: 3_000, deadlineMs: 30_000 },
    healthPolicy: { maxConsecutiveFailures: 2 },
  });
  auth = proxyAuthorization(`pool-${f.poolName}`, f.key);
  ca = f.lab.manifest().certPem;
});
afterAll(async () => f?.close());

async function inParallel<T>(total: number, concurrency: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

describe("forward-proxy gateway against the fault lab", () => {
  it("carries 1,000 plain-HTTP and 1,000 HTTPS requests to success through a pool a third broken; the broken nodes get ejected", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const plain = await inParallel(1_000, 16, () => getThrough(f.port, `${f.lab.httpTarget.baseUrl}/ok`, auth, { agent }));
    agent.destroy();
    expect(plain.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.headers["x-switchyard-error"]}`)).toEqual([]);
    const healthyIds = new Set(HEALTHY.map((p) => f.nodeIds.get(p.name)));
    for (const answer of plain) expect(healthyIds.has(String(answer.headers["x-switchyard-node"]))).toBe(true);

    // HTTPS: every request in a tunnel of its own (reset: the TLS connection closes after the answer),
    // so each is a CONNECT the gateway places and may retry; the exit address names the node it left by.
    const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${f.port}`, token: auth, requestTls: { ca } });
    const tls = await inParallel(1_000, 16, async () => {
      const { statusCode, body } = await undiciRequest(`${f.lab.httpsTarget.baseUrl}/ip`, { dispatcher, reset: true });
      return { statusCode, ip: statusCode === 200 ? ((await body.json()) as { ip: string }).ip : await body.text() };
    });
    await dispatcher.close();
    expect(tls.filter((r) => r.statusCode !== 200)).toEqual([]);
    const healthyExits = new Set(f.lab.manifest().proxies.filter((p) => !FAULTY_NAMES.includes(p.name)).map((p) => p.exitIp));
    expect(tls.filter((r) => !healthyExits.has(r.ip))).toEqual([]);

    // Every attempt was recorded like a probe result; the faulty nodes' failures are theirs.
    await f.proxyGateway.recorder.flush();
    const rows = await prisma.probeResult.groupBy({ by: ["nodeId", "faultClass", "targetId"], where: { source: "gateway", nodeId: { in: [...f.nodeIds.values()] } }, _count: true });
    const byName = new Map([...f.nodeIds].map(([name, id]) => [id, name]));
    const classesOf = (name: string) => rows.filter((r) => byName.get(r.nodeId) === name).map((r) => r.faultClass).filter((c, i, all) => all.indexOf(c) === i);
    expect(classesOf("bad-gateway")).toContain("proxy_502");
    expect(classesOf("gateway-timeout")).toContain("proxy_504");
    expect(classesOf("hang")).toContain("upstream_timeout");
    expect(classesOf("refuse")).toContain("proxy_unreachable");
    for (const name of HEALTHY.map((p) => p.name)) expect(classesOf(name)).toEqual(["ok"]);
    // A node's 504 that only claims a timeout is undecided on its own; the retry that succeeded through
    // another node is the control request that puts it on the node (lib/probe/control-check.ts).
    const timeouts = await prisma.probeResult.findMany({ where: { source: "gateway", nodeId: f.nodeIds.get("gateway-timeout") }, select: { faultOrigin: true, originEvidence: true } });
    expect(timeouts.length).toBeGreaterThan(0);
    for (const row of timeouts) expect(row).toEqual({ faultOrigin: "proxy", originEvidence: "control" });
    // One ok attempt per request: plain HTTP per request, HTTPS per tunnel (one tunnel per request here).
    const targets = new Map((await prisma.probeTarget.findMany({ where: { id: { in: rows.map((r) => r.targetId) } } })).map((t) => [t.id, t.url]));
    const okAt = (origin: string) => rows.filter((r) => r.faultClass === "ok" && targets.get(r.targetId) === origin).reduce((n, r) => n + r._count, 0);
    expect(okAt(`${f.lab.httpTarget.baseUrl}/`)).toBe(1_000);
    expect(okAt(`${f.lab.httpsTarget.baseUrl}/`)).toBe(1_000);

    // Automatic ejection reads the same rows: the broken nodes are disabled, the healthy ones stay.
    await evaluateHealth({ retest: async () => {}, poolIds: [f.poolId] });
    const states = await prisma.proxyNode.findMany({ where: { id: { in: [...f.nodeIds.values()] } }, select: { id: true, state: true } });
    for (const { id, state } of states) expect([byName.get(id), state]).toEqual([byName.get(id), FAULTY_NAMES.includes(byName.get(id)!) ? "DISABLED" : "ENABLED"]);

    // Once the index has heard of it, no attempt goes to an ejected node.
    await f.gateway.index.rebuild();
    const before = { ...f.proxyGateway.recorder.totals };
    const after = await inParallel(200, 8, () => getThrough(f.port, `${f.lab.httpTarget.baseUrl}/ok`, auth));
    expect(after.every((r) => r.status === 200)).toBe(true);
    expect(f.proxyGateway.recorder.totals.attempts - before.attempts).toBe(200);
  }, 120_000);

  it("keeps a sticky session on the checkout API's node until that node fails", async () => {
    const session = "scraper-7";
    const user = formatProxyUser({ pool: f.poolName, session });
    const { proxies } = await f.gateway.checkout({ id: "x", scope: "read", poolId: null }, f.poolId, { count: 1, session });
    const expected = proxies[0].nodeId;
    for (let i = 0; i < 10; i++) {
      const answer = await getThrough(f.port, `${f.lab.httpTarget.baseUrl}/ok`, proxyAuthorization(user, f.key));
      expect(answer.headers["x-switchyard-node"]).toBe(expected);
    }
    const name = [...f.nodeIds].find(([, id]) => id === expected)![0];
    await f.lab.proxy(name).stop();
    try {
      const moved = await getThrough(f.port, `${f.lab.httpTarget.baseUrl}/ok`, proxyAuthorization(user, f.key));
      expect(moved.status).toBe(200);
      expect(moved.headers["x-switchyard-node"]).not.toBe(expected);
      expect(moved.headers["x-switchyard-attempts"]).toBe("2");
    } finally {
      await f.lab.proxy(name).start();
    }
  });

  it("passes the target's own 502 through unchanged, once, and names the node", async () => {
    const before = { ...f.proxyGateway.recorder.totals };
    const answer = await getThrough(f.port, `${f.lab.httpTarget.baseUrl}/status/502`, auth);
    expect(answer.status).toBe(502);
    expect(answer.headers["x-switchyard-error"]).toBeUndefined();
    expect(answer.headers["proxy-status"]).toBeUndefined();
    expect(answer.headers["x-switchyard-node"]).toBeTruthy();
    expect(answer.headers["x-switchyard-attempts"]).toBeUndefined();
    expect(f.proxyGateway.recorder.totals.attempts - before.attempts).toBe(1);
  });

  it("refuses bad keys with 407, keeps pool-restricted keys in their pool, explains bad user names", async () => {
    const url = `${f.lab.httpTarget.baseUrl}/ok`;
    const none = await getThrough(f.port, url, "");
    expect(none.status).toBe(407);
    expect(none.headers["proxy-authenticate"]).toBe('Basic realm="switchyard"');
    expect(none.body).toMatch(/API key as the proxy password/);
    const bad = await getThrough(f.port, url, proxyAuthorization(`pool-${f.poolName}`, "sy_nope_nope"));
    expect([bad.status, bad.body]).toEqual([407, "The API key in the proxy password is invalid, revoked or expired.\n"]);
    const unknownPool = await getThrough(f.port, url, proxyAuthorization("pool-no-such-pool", f.key));
    expect(unknownPool.status).toBe(407);
    expect(unknownPool.body).toMatch(/no pool "no-such-pool"/);
    const garbled = await getThrough(f.port, url, proxyAuthorization("scrapers", f.key));
    expect(garbled.body).toMatch(/must start with/);

    const other = await prisma.pool.create({ data: { name: `other-${Date.now()}` } });
    const restricted = (await createApiKey((await createTestUser("admin")).actor, { name: "r", scope: "read", poolId: other.id })).key;
    const denied = await getThrough(f.port, url, proxyAuthorization(`pool-${f.poolName}`, restricted));
    expect(denied.status).toBe(403);
    // Its own pool needs no name at all, and has no node: a fast 503 that says so.
    const started = performance.now();
    const empty = await getThrough(f.port, url, proxyAuthorization("", restricted));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(empty.status).toBe(503);
    expect(empty.headers["x-switchyard-error"]).toBe("no_healthy_node; attempts=0");
    expect(empty.headers["proxy-status"]).toMatch(/^switchyard; error=destination_unavailable; details="pool .* has no healthy node/);
  });

  it("answers its own failures naming the hop when every attempt fails", async () => {
    const pool = await prisma.pool.create({ data: { name: `broken-${Date.now()}` } });
    await prisma.poolProxyGatewaySettings.create({ data: { poolId: pool.id, maxAttempts: 3, firstByteTimeoutMs: 300 } });
    // Fresh nodes on the broken lab proxies (the pool's own ones were ejected by now).
    for (const name of ["gateway-timeout", "bad-gateway"]) {
      const node = await prisma.proxyNode.create({ data: { scheme: "http", host: "127.0.0.1", port: f.lab.proxy(name).port, username: `fresh-${Date.now()}` } });
      await prisma.poolMembership.create({ data: { poolId: pool.id, nodeId: node.id } });
    }
    await f.gateway.index.rebuild();
    const answer = await getThrough(f.port, `${f.lab.httpTarget.baseUrl}/ok`, proxyAuthorization(`pool-${pool.name}`, f.key));
    expect([502, 504]).toContain(answer.status);
    expect(answer.headers["x-switchyard-error"]).toMatch(/^proxy_50[24]; node=[0-9a-f-]{36}; attempts=2$/);
    expect(answer.headers["proxy-status"]).toMatch(/^switchyard; error=\w+; details="[^"]+"; received-status=50[24]$/);
  });

  it("tunnels over SOCKS5 and through curl -x, HTTP and HTTPS", async () => {
    const { socket } = await SocksClient.createConnection({
      proxy: { host: "127.0.0.1", port: f.socksPort, type: 5, userId: `pool-${f.poolName}`, password: f.key },
      destination: { host: "127.0.0.1", port: Number(new URL(f.lab.httpTarget.baseUrl).port) },
      command: "connect",
    });
    const reply = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("end", () => resolve(text));
      socket.write("GET /ok HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    await expect(
      SocksClient.createConnection({
        proxy: { host: "127.0.0.1", port: f.socksPort, type: 5, userId: `pool-${f.poolName}`, password: "wrong" },
        destination: { host: "127.0.0.1", port: 80 },
        command: "connect",
      }),
    ).rejects.toThrow(/Authentication failed/);

    const caFile = path.join(tmpdir(), `gw-ca-${process.pid}.pem`);
    writeFileSync(caFile, ca);
    const curl = (url: string) =>
      promisify(execFile)("curl", ["-sS", "--noproxy", "", "-x", `http://127.0.0.1:${f.port}`, "-U", `pool-${f.poolName}:${f.key}`, "--cacert", caFile, "-o", "/dev/null", "-w", "%{http_code}", url]);
    expect((await curl(`${f.lab.httpTarget.baseUrl}/ok`)).stdout).toBe("200");
    expect((await curl(`${f.lab.httpsTarget.baseUrl}/ok`)).stdout).toBe("200");
  });

  it("sends a Node HTTPS_PROXY client through the gateway: the README's snippet in its own process", async () => {
    // A separate node process configured only by its environment, as a scraper would be: HTTPS_PROXY
    // with the user name and key, the lab's CA through NODE_EXTRA_CA_CERTS, undici's EnvHttpProxyAgent.
    const caFile = path.join(tmpdir(), `gw-env-ca-${process.pid}.pem`);
    writeFileSync(caFile, ca);
    const proxyUrl = `http://${encodeURIComponent(formatProxyUser({ pool: f.poolName, session: "env1" }))}:${encodeURIComponent(f.key)}@127.0.0.1:${f.port}`;
    const script = `
      import { EnvHttpProxyAgent, fetch } from "undici";
      const dispatcher = new EnvHttpProxyAgent();
      const answer = await fetch(process.argv[1], { dispatcher });
      console.log(JSON.stringify({ status: answer.status, body: await answer.json() }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, `${f.lab.httpsTarget.baseUrl}/ip`], {
      cwd: process.cwd(),
      // Only this proxy: no other proxy variable of the test's environment (lower-case ones win in undici).
      env: { ...(Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(https?|no|all)_proxy$/i.test(name))) as NodeJS.ProcessEnv), HTTPS_PROXY: proxyUrl, NODE_EXTRA_CA_CERTS: caFile },
    });
    const { status, body } = JSON.parse(stdout) as { status: number; body: { ip: string } };
    expect(status).toBe(200);
    expect(body.ip).toMatch(/^127\.0\.1\./);
    // It left through one of the healthy nodes (each lab proxy has its own exit address).
    const healthyExits = f.lab.manifest().proxies.filter((p) => !FAULTY_NAMES.includes(p.name)).map((p) => p.exitIp);
    expect(healthyExits).toContain(body.ip);
  });
});
