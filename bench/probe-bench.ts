// `npm run bench:probe`: probes 10,000 lab nodes once with plain HTTP, then once with HTTPS
// through CONNECT, persisting every result to a throw-away embedded PostgreSQL.
//
// Set-up, stated plainly: the lab runs as a separate process (`scripts/lab.ts`, one core's worth),
// and the 10,000 ProxyNode rows point at its three healthy, auth-less HTTP proxy listeners
// (http-healthy, http-updown, http-rotating), made distinct by username (these proxies ignore
// credentials). Every check opens a fresh TCP connection to the proxy, and the proxy a fresh one
// to the target, so the per-check work is what a real probe does.
import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { applyMigrations } from "@/lib/db/migrate";
import type { LabManifest } from "@/lib/lab/fault-lab";
import { findFreePort } from "@/lib/net/free-port";
import { BENCH_SHORT, reportFigure } from "./bench-report";

const NODES = Number(process.env.BENCH_NODES ?? (BENCH_SHORT ? 3_000 : 10_000));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
/** Paired engine/bare rounds behind the ratio (odd, so the median is one round's). */
const RATIO_ROUNDS = Number(process.env.BENCH_RATIO_ROUNDS ?? (BENCH_SHORT ? 3 : 5));
const BENCH_PROXIES = ["http-healthy", "http-updown", "http-rotating"];

const workDir = mkdtempSync(path.join(tmpdir(), "switchyard-probe-bench-"));
const manifestPath = path.join(workDir, "lab.json");

console.log(`probe bench: ${NODES} nodes, concurrency ${CONCURRENCY}, node ${process.version}`);
const database = await startEmbeddedPostgres({ dataDir: path.join(workDir, "db"), port: await findFreePort(), throwAway: true });
const lab = spawn(path.resolve("node_modules/.bin/tsx"), ["scripts/lab.ts"], {
  env: { ...process.env, SWITCHYARD_LAB_MANIFEST: manifestPath, SWITCHYARD_LAB_PORT_BASE: "" },
  stdio: ["ignore", "ignore", "inherit"],
});

try {
  await applyMigrations(database.url);
  process.env.DATABASE_URL = database.url;
  // Imported only now: the Prisma singleton reads DATABASE_URL when first loaded.
  const { prisma } = await import("@/lib/db/prisma");
  const { runProbeJobs } = await import("@/lib/probe/probe-runner");
  const { Attributor } = await import("@/lib/probe/attribution");
  const { ProbeResultWriter, closeResultWriterPool } = await import("@/lib/probe/result-writer");

  const manifest = await waitForManifest();
  const ports = BENCH_PROXIES.map((name) => manifest.proxies.find((p) => p.name === name)!.port);
  console.log(`lab: separate process (scripts/lab.ts); ${NODES} ProxyNode rows spread over ${BENCH_PROXIES.join(", ")} (ports ${ports.join(", ")})`);
  console.log("each check: new TCP connection to the proxy; HTTPS: CONNECT + TLS (context reused, sessions resumed after the first)");

  const ids: string[] = [];
  const portsOfNodes: number[] = [];
  const users: string[] = [];
  for (let i = 0; i < NODES; i++) {
    ids.push(crypto.randomUUID());
    portsOfNodes.push(ports[i % ports.length]);
    users.push(`bench-${i}`);
  }
  await prisma.$executeRawUnsafe(
    `INSERT INTO "ProxyNode" ("id", "scheme", "host", "port", "username", "label", "updatedAt")
     SELECT id, 'http', '127.0.0.1', port, username, '[bench] ' || username, now() FROM unnest($1::uuid[], $2::int[], $3::text[]) AS t(id, port, username)`,
    ids, portsOfNodes, users,
  );
  const httpTarget = await prisma.probeTarget.create({ data: { url: `${manifest.targets.http}/ok`, name: "bench http" } });
  const httpsTarget = await prisma.probeTarget.create({ data: { url: `${manifest.targets.https}/ok`, name: "bench https" } });

  // The production path: every result goes through attribution (cohort + budgeted control requests).
  // Control node for the bench: a healthy bench node (the database picker needs pool history).
  const attribution = new Attributor({
    controls: { pick: async (nodeId) => (nodeId === ids[0] ? null : { id: ids[0], scheme: "http", host: "127.0.0.1", port: portsOfNodes[0], username: users[0], password: "" }) },
    check: { ca: manifest.certPem },
  });
  const unmarkedPort = manifest.proxies.find((p) => p.name === "http-unmarked-502")!.port;

  /** The baseline: a bare node:http prober, same proxies, same concurrency, no classification, stores nothing. */
  async function bare(url: string, count: number): Promise<number> {
    let next = 0;
    const started = performance.now();
    const one = (i: number) =>
      new Promise<void>((resolve) => {
        const req = httpRequest({ host: "127.0.0.1", port: portsOfNodes[i], method: "GET", path: url, agent: false, headers: { host: new URL(url).host, connection: "close" } }, (res) => {
          res.resume();
          res.once("end", resolve);
          res.once("error", () => resolve());
        });
        req.once("error", () => resolve());
        req.end();
      });
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await one(next++);
    }));
    return count / ((performance.now() - started) / 1000);
  }

  async function phase(label: string, target: { id: string; url: string }, count: number, persist = true, unmarkedShare = 0, report = true): Promise<number> {
    const writer = new ProbeResultWriter({ batchSize: 2_000 });
    const pulledAt = new Map<string, number>();
    const latency: number[] = [];
    const overhead: number[] = [];
    const classes = new Map<string, number>();
    function* jobs() {
      for (let i = 0; i < count; i++) {
        pulledAt.set(ids[i], performance.now());
        // unmarkedShare of the nodes sit behind a proxy answering its own unmarked 502: the second path must settle them.
        const port = unmarkedShare > 0 && i % Math.round(1 / unmarkedShare) === 1 ? unmarkedPort : portsOfNodes[i];
        yield { node: { id: ids[i], scheme: "http" as const, host: "127.0.0.1", port, username: users[i], password: "" }, target };
      }
    }
    const storedBefore = persist ? await prisma.probeResult.count({ where: { targetId: target.id } }) : 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const summary = await runProbeJobs(jobs(), {
      concurrency: CONCURRENCY,
      perNodeConcurrency: 1,
      attribution,
      check: { timeouts: { connectMs: 3_000, firstByteMs: 10_000, totalMs: 15_000 }, ca: manifest.certPem },
      onResult: async (attempt) => {
        classes.set(attempt.faultClass, (classes.get(attempt.faultClass) ?? 0) + 1);
        latency.push(attempt.totalMs);
        if (persist) await writer.add(attempt);
        // Engine overhead: wall time from the worker pulling the job to the result being handed
        // to the writer, minus the check's own measured time (connect → body end).
        overhead.push(performance.now() - pulledAt.get(attempt.nodeId)! - attempt.totalMs);
      },
    });
    await writer.flush();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (!persist) return summary.done / seconds;
    const stored = (await prisma.probeResult.count({ where: { targetId: target.id } })) - storedBefore;
    if (!report) {
      if (stored !== summary.done) console.log(`  (${label}: ${summary.done - stored} of ${summary.done} results not persisted)`);
      return summary.done / seconds;
    }
    console.log(`\n(${label}) ${summary.done} checks in ${seconds.toFixed(2)} s = ${Math.round(summary.done / seconds)} checks/s (persisted: ${stored})`);
    console.log(`  classes: ${[...classes].map(([k, v]) => `${k}=${v}`).join(", ")}`);
    console.log(`  check latency p50 ${pct(latency, 50).toFixed(1)} ms, p99 ${pct(latency, 99).toFixed(1)} ms`);
    console.log(`  engine overhead p50 ${pct(overhead, 50).toFixed(2)} ms, p99 ${pct(overhead, 99).toFixed(2)} ms; prober CPU ${Math.round((cpu.user + cpu.system) / summary.done)} µs/check`);
    console.log(`  peak RSS (prober process) ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    // Goals: 2,000 plain-HTTP and 500 HTTPS checks/s persisted on this 2-core machine; all persisted.
    const https = target.url.startsWith("https:");
    if (unmarkedShare === 0) {
      reportFigure({ name: `probe ${https ? "HTTPS (CONNECT + TLS)" : "plain HTTP"} checks/s`, value: Math.round(summary.done / seconds), unit: "checks/s", goal: https ? 500 : 2_000, better: "higher" });
      reportFigure({ name: `probe ${https ? "HTTPS" : "HTTP"}: results not persisted`, value: summary.done - stored, unit: "", goal: 0, better: "lower" });
    }
    return summary.done / seconds;
  }

  await phase("warm-up", { id: httpTarget.id, url: httpTarget.url }, 2_000, false);
  await phase("warm-up", { id: httpsTarget.id, url: httpsTarget.url }, 500, false);
  await bare(httpTarget.url, 2_000);
  await phase("a: plain HTTP via HTTP proxy, absolute-form", { id: httpTarget.id, url: httpTarget.url }, NODES);
  // The engine against the bare prober, in alternating rounds (bare first, then engine first...):
  // on this shared 2-core machine one pair of runs swung from 0.72x to 1.03x between runs, as
  // the bare prober alone went from 2,600 to 4,500 checks/s; the median of paired rounds is what
  // one slow or fast moment cannot move.
  const rounds: { engine: number; baseline: number }[] = [];
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    const engineRound = () => phase(`ratio round ${round + 1}`, { id: httpTarget.id, url: httpTarget.url }, NODES, true, 0, false);
    let baseline: number;
    let engine: number;
    if (round % 2 === 0) {
      baseline = await bare(httpTarget.url, NODES);
      engine = await engineRound();
    } else {
      engine = await engineRound();
      baseline = await bare(httpTarget.url, NODES);
    }
    rounds.push({ engine, baseline });
  }
  const ratios = rounds.map((r) => r.engine / r.baseline);
  const ratio = pct(ratios, 50); // the middle round (RATIO_ROUNDS is odd)
  console.log(`\n(baseline) bare node:http prober, same lab and concurrency, classifies and stores nothing, ${RATIO_ROUNDS} rounds alternating with the engine:`);
  for (const [i, r] of rounds.entries()) console.log(`  round ${i + 1}: engine ${Math.round(r.engine)} / bare ${Math.round(r.baseline)} checks/s = ${ratios[i].toFixed(2)}x`);
  console.log(`  engine (persisted, attributed) / bare = ${ratio.toFixed(2)}x, median of ${RATIO_ROUNDS} rounds (target ≥ 0.80x)`);
  reportFigure({ name: "probe plain HTTP: engine / bare node:http prober (same run)", value: Number(ratio.toFixed(2)), unit: "x", goal: 0.8, better: "higher" });
  await phase("b: HTTPS via HTTP proxy, CONNECT + TLS", { id: httpsTarget.id, url: httpsTarget.url }, NODES);
  const before = { ...attribution.stats };
  await phase("c: plain HTTP, 10 % of nodes behind an unmarked own-502 proxy", { id: httpTarget.id, url: httpTarget.url }, NODES, true, 0.1);
  const s = attribution.stats;
  const probes = s.probes - before.probes;
  const controls = s.controls - before.controls;
  console.log(`  attribution: ${controls} control requests for ${probes} checks = ${((controls / probes) * 100).toFixed(2)} % (budget 5 % + burst 3 over the attributor's life: ${s.controls} / ${s.probes} = ${((s.controls / s.probes) * 100).toFixed(2)} %)`);
  reportFigure({ name: "probe: control requests, share of checks (10 % unmarked-502 nodes)", value: Number(((controls / probes) * 100).toFixed(2)), unit: "%", goal: 5, better: "lower" });
  console.log(`  decided by control ${s.decidedByControl - before.decidedByControl}, by cohort ${s.decidedByCohort - before.decidedByCohort}, control answers reused ${s.controlCacheHits - before.controlCacheHits}, over budget ${s.overBudget - before.overBudget}, failed control answers left inconclusive ${s.controlInconclusive - before.controlInconclusive}`);
  await prisma.$disconnect();
  await closeResultWriterPool();
} finally {
  lab.kill("SIGINT");
  await new Promise((resolve) => lab.once("exit", resolve));
  await database.stop();
  rmSync(workDir, { recursive: true, force: true });
}

async function waitForManifest(): Promise<LabManifest> {
  for (let i = 0; i < 300; i++) {
    if (existsSync(manifestPath)) return JSON.parse(readFileSync(manifestPath, "utf8")) as LabManifest;
    if (lab.exitCode !== null) throw new Error("lab process exited early");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("lab did not write its manifest within 30 s");
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
