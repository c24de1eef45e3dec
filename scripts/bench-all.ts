/**
 * `npm run bench`: runs every benchmark — each package.json script named `bench:<name>` (the
 * convention: add a script, print figures with bench/bench-report.ts's reportFigure) — in its
 * short mode (BENCH_SHORT=1), one after another, within a total budget (BENCH_BUDGET_SECONDS,
 * default 600): each gets a fair share of what is left and is stopped (its process group) when it
 * runs over. Prints one table (figure, value, goal, holds) and writes it as JSON to
 * bench-results/latest.json, with each bench's full output in bench-results/<name>.log.
 * The machine is measured at the start and the end (a fixed SHA-256 workload, load average), so
 * runs on a busy or different machine can be compared by ratio.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { figureHolds, FIGURE_PREFIX, type BenchFigure } from "../bench/bench-report";

const root = process.cwd();
const budgetMs = Number(process.env.BENCH_BUDGET_SECONDS ?? 600) * 1000;
const only = process.argv.slice(2);
const outDir = path.join(root, "bench-results");
mkdirSync(outDir, { recursive: true });

const scripts = Object.keys((JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts)
  .filter((name) => name.startsWith("bench:") && (only.length === 0 || only.includes(name.slice(6))))
  .sort();

/** MB/s of SHA-256 over 64 MB: a fixed CPU workload, to compare this run's machine state with others. */
function machineBaseline(): number {
  const block = Buffer.alloc(1024 * 1024, 7);
  const started = performance.now();
  const hash = createHash("sha256");
  for (let i = 0; i < 64; i++) hash.update(block);
  hash.digest();
  return Math.round(64 / ((performance.now() - started) / 1000));
}

interface BenchRun {
  script: string;
  status: "ok" | "failed" | "timed out";
  seconds: number;
  figures: BenchFigure[];
}

function runBench(script: string, timeoutMs: number): Promise<BenchRun> {
  const started = performance.now();
  const log: string[] = [];
  const figures: BenchFigure[] = [];
  return new Promise((resolve) => {
    // Own process group (detached), so a timeout stops the bench and everything it started.
    const child = spawn("npm", ["run", "--silent", script], { cwd: root, env: { ...process.env, BENCH_SHORT: "1" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let timedOut = false;
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        log.push(line);
        if (line.startsWith(FIGURE_PREFIX)) {
          try {
            figures.push(JSON.parse(line.slice(FIGURE_PREFIX.length)) as BenchFigure);
          } catch {
            log.push(`(bench-all: unreadable figure line)`);
          }
        } else process.stdout.write(`  [${script}] ${line}\n`);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => log.push(chunk.toString("utf8").trimEnd()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGTERM");
        setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already gone
          }
        }, 10_000).unref();
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (pending) log.push(pending);
      writeFileSync(path.join(outDir, `${script.slice(6)}.log`), `${log.join("\n")}\n`);
      const status = timedOut ? "timed out" : code === 0 ? "ok" : "failed";
      resolve({ script, status, seconds: Math.round((performance.now() - started) / 100) / 10, figures });
    });
  });
}

const suiteStarted = performance.now();
const baselineStart = machineBaseline();
const loadStart = os.loadavg()[0];
console.log(`npm run bench: ${scripts.length} benchmarks (${scripts.join(", ")}), budget ${budgetMs / 1000} s, short mode`);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}, load ${loadStart.toFixed(2)}, SHA-256 ${baselineStart} MB/s`);

/**
 * Short modes that need more than an even share of the budget, in seconds (their running time on
 * the quiet 2-core machine, 2026-11-30, plus ≈ 20 % room): bench:sustained ingests 10 s alone, then
 * 60 s under load (78 s); bench:dashboard generates and rolls up 1,000,000 results and times 14 queries (≈ 80 s);
 * bench:schedule runs the product's worker through three short phases (≈ 115 s); the lab soak
 * runs 1 min of waves (63 s); the gateway bench 38 s. Their time is set aside; the other benches
 * (≈ 12–20 s each) share the rest evenly.
 */
const MIN_SHORT_SECONDS: Record<string, number> = { "bench:sustained": 110, "bench:dashboard": 100, "bench:schedule": 140, "bench:lab-soak": 75, "bench:gateway": 50 };
const minimumMs = (script: string) => (MIN_SHORT_SECONDS[script] ?? 0) * 1000;

const runs: BenchRun[] = [];
for (const [index, script] of scripts.entries()) {
  const remaining = budgetMs - (performance.now() - suiteStarted) - 5_000;
  if (remaining < 15_000) {
    runs.push({ script, status: "timed out", seconds: 0, figures: [] });
    continue;
  }
  const later = scripts.slice(index + 1);
  const setAside = later.reduce((sum, name) => sum + minimumMs(name), 0);
  const evenShare = (remaining - setAside) / (later.filter((name) => minimumMs(name) === 0).length + 1);
  const share = Math.min(remaining, Math.max(minimumMs(script), evenShare));
  console.log(`\n▶ ${script} (at most ${Math.round(share / 1000)} s)`);
  runs.push(await runBench(script, share));
}
const baselineEnd = machineBaseline();
const loadEnd = os.loadavg()[0];

const rows = runs.flatMap((run) =>
  run.figures.length
    ? run.figures.map((figure) => ({ bench: run.script, ...figure, holds: figureHolds(figure), ratio: figure.goal === 0 ? null : Math.round((figure.value / figure.goal) * 100) / 100 }))
    : [{ bench: run.script, name: `(${run.status}, no figures)`, value: NaN, unit: "", goal: NaN, better: "higher" as const, holds: false, ratio: null }],
);
const format = (value: number) => (Number.isNaN(value) ? "—" : value.toLocaleString("en-US", { maximumFractionDigits: 1 }));
const table = [
  ["figure", "value", "goal", "holds", "value/goal"],
  ...rows.map((row) => [row.name, `${format(row.value)} ${row.unit}`.trim(), `${row.better === "higher" ? "≥" : "≤"} ${format(row.goal)} ${row.unit}`.trim(), row.holds ? "yes" : "NO", row.ratio === null ? "—" : String(row.ratio)]),
];
const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
console.log(`\n${"=".repeat(20)} npm run bench: results ${"=".repeat(20)}`);
for (const [i, row] of table.entries()) {
  console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  "));
  if (i === 0) console.log(widths.map((width) => "-".repeat(width)).join("  "));
}
for (const run of runs) console.log(`${run.script}: ${run.status} in ${run.seconds} s`);
console.log(`machine SHA-256 ${baselineStart} → ${baselineEnd} MB/s, load ${loadStart.toFixed(2)} → ${loadEnd.toFixed(2)}; total ${Math.round((performance.now() - suiteStarted) / 1000)} s`);

const json = {
  finishedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model.trim() ?? null, node: process.version, sha256MBpsStart: baselineStart, sha256MBpsEnd: baselineEnd, loadStart, loadEnd },
  runs: runs.map(({ script, status, seconds }) => ({ script, status, seconds })),
  figures: rows.map((row) => ({ ...row, value: Number.isNaN(row.value) ? null : row.value, goal: Number.isNaN(row.goal) ? null : row.goal })),
};
writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
console.log(`written: bench-results/latest.json (logs: bench-results/<bench>.log)`);
process.exit(runs.every((run) => run.status === "ok") ? 0 : 1);
