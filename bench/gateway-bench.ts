/**
 * Forward-proxy gateway benchmark (issue 11): the same requests sent straight through one upstream
 * proxy (the baseline) and through the gateway to a pool of upstreams, in the same run, with
 * keep-alive: plain HTTP (absolute-form, autocannon) and HTTPS through CONNECT tunnels (undici
 * ProxyAgent, tunnels kept alive), the load generated in this process (the servers all run in
 * others). The gateway runs as the gateway role does — pool strategy,
 * retries on (3 attempts), every attempt recorded into PostgreSQL — in a child process of its own,
 * so its CPU time per request is that process's process.cpuUsage() over the phase divided by the
 * requests it answered.
 *
 * Upstreams: one real Squid process (Debian package) listening on BENCH_NODES ports, each port a
 * node of the pool — the pool has exactly the baseline's upstream capacity, so the ratio is the
 * gateway's own cost. Without Squid (or with BENCH_UPSTREAM=lab) the lab's Node proxies are used
 * (BENCH_NODES of them, baseline through the first). Targets: the lab's HTTP/HTTPS target servers in
 * another child process. The sides alternate in palindromic order (A-B-C-C-B-A) to cancel drift; plain HTTP
 * has a third side, the same gateway with its fast path off (node:http on both sides).
 *
 * Run: npm run bench:gateway   (BENCH_SHORT=1: 4 s phases; BENCH_SECONDS, BENCH_CONNECTIONS,
 * BENCH_NODES override; BENCH_CPU_PROF=<dir> profiles the gateway process; BENCH_ONLY=plain skips
 * the tunnel and latency phases). Prints figures; a measurement, not a test. With Squid, Squid's own
 * CPU time per request in the direct phases is printed beside the gateway's: the same machine's
 * price of a proxied request in C, measured in the same run.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { ProxyAgent, request as undiciRequest } from "undici";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import { findFreePort } from "@/lib/net/free-port";
import { REAL_PROXY_BINARIES, startSquid, type RealProxy } from "@/lib/probe/real-proxies/real-proxy-servers";
import { BENCH_SHORT, reportFigure } from "./bench-report";

const SECONDS = Number(process.env.BENCH_SECONDS ?? (BENCH_SHORT ? 4 : 8));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const NODES = Number(process.env.BENCH_NODES ?? 4);
const LATENCY_SAMPLES = BENCH_SHORT ? 500 : 1_500;
const ONLY_PLAIN = process.env.BENCH_ONLY === "plain";
const useSquid = process.env.BENCH_UPSTREAM !== "lab" && existsSync(REAL_PROXY_BINARIES.squid) && process.getuid?.() === 0;
const CHILD_ARGS = ["--import", "tsx", "--import", "./scripts/server-only-hook.mjs"];

function child<T>(file: string, env: Record<string, string>): Promise<{ process: ChildProcess; first: T; ask: <R>(message: string) => Promise<R> }> {
  // BENCH_CPU_PROF=<dir>: the gateway process writes a V8 CPU profile there (node --cpu-prof) to find its hot path.
  const profile = process.env.BENCH_CPU_PROF && file.includes("gateway-bench-gateway") ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const proc = fork(path.join(import.meta.dirname, file), { execArgv: [...CHILD_ARGS, ...profile], env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = <R,>(message: string) =>
    new Promise<R>((resolve) => {
      proc.once("message", (answer) => resolve(answer as R));
      proc.send(message);
    });
  return new Promise((resolve, reject) => {
    proc.once("message", (first) => resolve({ process: proc, first: first as T, ask }));
    proc.once("exit", (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
  });
}

// ---- set-up: database, upstreams, targets, pool, key, gateway --------------------------------------
const dataDir = mkdtempSync(path.join(tmpdir(), "switchyard-gateway-bench-"));
process.env.SWITCHYARD_SECRET_KEY ??= Buffer.alloc(32, 5).toString("base64");
const database = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), throwAway: true });
process.env.DATABASE_URL = database.url;
await applyMigrations(database.url);

const upstreams = await child<{ http: string; https: string; proxyPorts: number[]; certPem: string }>("gateway-bench-upstreams.ts", { BENCH_LAB_PROXIES: useSquid ? "0" : String(NODES) });
const targets = upstreams.first;
let squid: RealProxy | undefined;
let nodePorts = targets.proxyPorts;
if (useSquid) {
  nodePorts = [];
  for (let i = 0; i < NODES; i++) nodePorts.push(await findFreePort());
  squid = await startSquid(nodePorts[0], nodePorts.slice(1));
}
const upstreamText = useSquid ? `one Squid process on ${NODES} ports (each a node)` : `${NODES} lab Node proxies (baseline through one)`;

const { prisma } = await import("@/lib/db/prisma");
const { createPool } = await import("@/lib/pools/mutations");
const { importNodes } = await import("@/lib/nodes/mutations");
const { importNodesSchema } = await import("@/lib/nodes/schema");
const { createApiKey } = await import("@/lib/auth/api-keys");
const admin = await prisma.user.create({ data: { email: "bench@bench.example", role: "admin", passwordHash: "x" } });
const actor = { kind: "user" as const, id: admin.id, label: admin.email, role: "admin" as const };
const pool = await createPool(actor, { name: "bench", description: "" });
if (!pool.ok) throw new Error("creating the pool failed");
const imported = await importNodes(actor, importNodesSchema.parse({ text: nodePorts.map((port) => `http://127.0.0.1:${port}`).join("\n"), poolId: pool.id }));
if (!imported.ok) throw new Error("importing the nodes failed");
const { key } = await createApiKey(actor, { name: "bench", scope: "read" });
const proxyAuthorization = `Basic ${Buffer.from(`pool-bench:${key}`).toString("base64")}`;

const gatewayChild = await child<{ port: number }>("gateway-bench-gateway.ts", { DATABASE_URL: database.url });
// The same gateway with its plain-HTTP fast path off (node:http on both sides, as before the fast
// path): the third side of the plain-HTTP comparison, so the fast path's gain is measured in the same run.
const nodeHttpChild = await child<{ port: number }>("gateway-bench-gateway.ts", { DATABASE_URL: database.url, BENCH_GATEWAY_FAST_PATH: "0" });
const gatewayUrl = `http://127.0.0.1:${gatewayChild.first.port}`;
const directUrl = `http://127.0.0.1:${nodePorts[0]}`;
const plainTarget = `${targets.http}/ok`;
const tlsTarget = `${targets.https}/ok`;

interface Cpu {
  cpu: NodeJS.CpuUsage;
  totals: { requests: number; attempts: number; failures: number };
}
type Side = "direct" | "gateway" | "nodeHttp";
const SIDES: Record<Side, { url: string; cpu?: () => Promise<Cpu> }> = {
  direct: { url: directUrl },
  gateway: { url: gatewayUrl, cpu: () => gatewayChild.ask<Cpu>("cpu") },
  nodeHttp: { url: `http://127.0.0.1:${nodeHttpChild.first.port}`, cpu: () => nodeHttpChild.ask<Cpu>("cpu") },
};
/** A process's user + system CPU time in µs (/proc; clock ticks of 10 ms). */
function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

console.log(`gateway bench: ${upstreamText}; ${CONNECTIONS} connections, ${SECONDS} s per side (halves in palindromic order), ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, load ${loadavg()[0].toFixed(2)}`);

// ---- plain HTTP, keep-alive, absolute-form ---------------------------------------------------------
async function plainRun(via: Side, seconds: number) {
  const result = await autocannon({
    url: SIDES[via].url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: via === "direct" ? { host: new URL(plainTarget).host } : { host: new URL(plainTarget).host, "proxy-authorization": proxyAuthorization },
    requests: [{ method: "GET", path: plainTarget }],
  });
  return { perSecond: result.requests.total / seconds, total: result.requests.total, errors: result.errors + result.timeouts + result.non2xx };
}

interface SideFigures {
  perSecond: number;
  errors: number;
  /** Gateway sides: process CPU per request answered (µs), total and split. */
  cpuPerRequestUs: number;
  userPerRequestUs: number;
  systemPerRequestUs: number;
}

/**
 * Throughput of each side, run in halves in palindromic order (A-B-C-C-B-A) to cancel drift; for
 * gateway sides their process's CPU time per request; for direct Squid's own CPU per request.
 */
async function compare(sides: Side[], run: (via: Side, seconds: number) => Promise<{ perSecond: number; total: number; errors: number }>) {
  for (const via of sides) await run(via, 1); // warm-up: keep-alive sockets, tunnels, JIT
  const half = SECONDS / 2;
  const acc = new Map(sides.map((via) => [via, { perSecond: 0, errors: 0, user: 0, system: 0, answered: 0 }]));
  let squidMicros = 0;
  let directAnswered = 0;
  for (const via of [...sides, ...[...sides].reverse()]) {
    const before = await SIDES[via].cpu?.();
    const squidBefore = via === "direct" && squid ? processCpuMicros(squid.pid) : 0;
    const r = await run(via, half);
    const a = acc.get(via)!;
    if (before) {
      const after = (await SIDES[via].cpu!())!;
      a.user += after.cpu.user - before.cpu.user;
      a.system += after.cpu.system - before.cpu.system;
    } else if (squid) {
      squidMicros += processCpuMicros(squid.pid) - squidBefore;
      directAnswered += r.total;
    }
    a.answered += r.total;
    a.perSecond += r.perSecond / 2;
    a.errors += r.errors;
  }
  const figures = {} as Record<Side, SideFigures>;
  for (const [via, a] of acc)
    figures[via] = { perSecond: a.perSecond, errors: a.errors, cpuPerRequestUs: (a.user + a.system) / a.answered, userPerRequestUs: a.user / a.answered, systemPerRequestUs: a.system / a.answered };
  return { ...figures, squidPerRequestUs: directAnswered ? squidMicros / directAnswered : NaN };
}

// ---- HTTPS through CONNECT tunnels kept alive (undici ProxyAgent) ----------------------------------
async function tunnelRun(via: Side, seconds: number) {
  const dispatcher = new ProxyAgent({ uri: SIDES[via].url, token: via === "direct" ? undefined : proxyAuthorization, connections: CONNECTIONS, requestTls: { ca: targets.certPem } });
  const until = performance.now() + seconds * 1000;
  let total = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        try {
          const { statusCode, body } = await undiciRequest(tlsTarget, { dispatcher });
          await body.dump();
          if (statusCode === 200) total++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  await dispatcher.close();
  return { perSecond: total / seconds, total, errors };
}

// ---- added latency: one keep-alive connection each, requests interleaved direct/gateway -----------
async function addedLatency() {
  const agents = { direct: new Agent({ keepAlive: true, maxSockets: 1 }), gateway: new Agent({ keepAlive: true, maxSockets: 1 }) };
  const once = (via: "direct" | "gateway") =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const proxy = new URL(via === "direct" ? directUrl : gatewayUrl);
      const headers: Record<string, string> = { host: new URL(plainTarget).host };
      if (via === "gateway") headers["proxy-authorization"] = proxyAuthorization;
      const req = httpRequest({ host: proxy.hostname, port: proxy.port, path: plainTarget, headers, agent: agents[via] }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${via}: ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end();
    });
  const samples = { direct: [] as number[], gateway: [] as number[] };
  for (let i = 0; i < 50; i++) await Promise.all([once("direct"), once("gateway")]); // warm-up
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    samples.direct.push(await once("direct"));
    samples.gateway.push(await once("gateway"));
  }
  agents.direct.destroy();
  agents.gateway.destroy();
  const p50 = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { direct: p50(samples.direct), gateway: p50(samples.gateway) };
}

const loadBefore = loadavg()[0];
const latency = ONLY_PLAIN ? { direct: NaN, gateway: NaN } : await addedLatency();
const plain = (await compare(["direct", "gateway", "nodeHttp"], plainRun)) as Record<Side, SideFigures> & { squidPerRequestUs: number };
const none: SideFigures = { perSecond: NaN, errors: 0, cpuPerRequestUs: NaN, userPerRequestUs: NaN, systemPerRequestUs: NaN };
const tunnels = ONLY_PLAIN ? { direct: none, gateway: none } : await compare(["direct", "gateway"], tunnelRun);
const recorded = await SIDES.gateway.cpu!();
const loadAfter = loadavg()[0];

const f = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const plainRatio = plain.gateway.perSecond / plain.direct.perSecond;
const tunnelRatio = tunnels.gateway.perSecond / tunnels.direct.perSecond;
const cpuText = (side: SideFigures) => `${f(side.cpuPerRequestUs, 1)} µs/request (user ${f(side.userPerRequestUs, 1)} + system ${f(side.systemPerRequestUs, 1)})`;
console.log(`plain HTTP   direct ${f(plain.direct.perSecond)} req/s   gateway ${f(plain.gateway.perSecond)} req/s   ratio ${f(plainRatio, 2)}×   gateway CPU ${cpuText(plain.gateway)}   errors ${plain.direct.errors}/${plain.gateway.errors}`);
console.log(`  same gateway, fast path off (node:http both sides): ${f(plain.nodeHttp.perSecond)} req/s   ratio ${f(plain.nodeHttp.perSecond / plain.direct.perSecond, 2)}×   CPU ${cpuText(plain.nodeHttp)}`);
if (squid) console.log(`  reference: Squid's own CPU per request in the direct phases ${f(plain.squidPerRequestUs, 1)} µs (same run, same machine)`);
console.log(`HTTPS tunnel direct ${f(tunnels.direct.perSecond)} req/s   gateway ${f(tunnels.gateway.perSecond)} req/s   ratio ${f(tunnelRatio, 2)}×   gateway CPU ${f(tunnels.gateway.cpuPerRequestUs, 1)} µs/request   errors ${tunnels.direct.errors}/${tunnels.gateway.errors}`);
console.log(`latency p50 (1 keep-alive connection, ${LATENCY_SAMPLES} each, interleaved): direct ${f(latency.direct, 3)} ms, gateway ${f(latency.gateway, 3)} ms, added ${f(latency.gateway - latency.direct, 3)} ms`);
console.log(`load average ${loadBefore.toFixed(1)} at the start, ${loadAfter.toFixed(1)} at the end`);
console.log(`gateway recorded ${f(recorded.totals.requests)} requests, ${f(recorded.totals.attempts)} attempts, ${f(recorded.totals.failures)} failures (retries and recording on)`);

reportFigure({ name: "gateway plain HTTP throughput vs direct (same run)", value: Math.round(plainRatio * 100) / 100, unit: "×", goal: 0.7, better: "higher" });
reportFigure({ name: "gateway CPU per plain HTTP request", value: Math.round(plain.gateway.cpuPerRequestUs), unit: "µs", goal: 60, better: "lower" });
reportFigure({ name: "gateway added latency p50 (plain HTTP)", value: Math.round((latency.gateway - latency.direct) * 1000) / 1000, unit: "ms", goal: 2, better: "lower" });
reportFigure({ name: "gateway HTTPS tunnel throughput vs direct (same run)", value: Math.round(tunnelRatio * 100) / 100, unit: "×", goal: 0.7, better: "higher" });
reportFigure({ name: "gateway errors (plain + tunnels)", value: plain.gateway.errors + tunnels.gateway.errors, unit: "", goal: 0, better: "lower" });

await Promise.all([gatewayChild.ask("stop"), nodeHttpChild.ask("stop")]);
upstreams.process.send("stop");
await squid?.stop();
await prisma.$disconnect();
await database.stop();
rmSync(dataDir, { recursive: true, force: true });
