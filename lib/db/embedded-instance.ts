import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The record of a running embedded PostgreSQL, `<data dir>/postgres.instance.json`, written once
 * it accepts connections and removed when it stops cleanly. It says which process owns the
 * server (pid + kernel start time, so a recycled pid is not mistaken for the owner), which
 * postmaster it is (same), and its port. CLI tools read the port from it (SWITCHYARD_PG_PORT=auto
 * picks a different one on every start), and a start after a `kill -9` uses it to recognise a
 * postmaster orphaned by its dead owner.
 */
export interface EmbeddedInstance {
  ownerPid: number;
  /** Start time of the owner process in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
  ownerStartTicks: number | null;
  postmasterPid: number;
  postmasterStartTicks: number | null;
  port: number;
  startedAt: string;
}

export const INSTANCE_FILE = "postgres.instance.json";

export function instanceFile(dataDir: string): string {
  return path.join(dataDir, INSTANCE_FILE);
}

export function writeInstanceRecord(dataDir: string, record: Omit<EmbeddedInstance, "ownerStartTicks" | "postmasterStartTicks" | "startedAt">): void {
  const full: EmbeddedInstance = {
    ...record,
    ownerStartTicks: processStartTicks(record.ownerPid),
    postmasterStartTicks: processStartTicks(record.postmasterPid),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(instanceFile(dataDir), JSON.stringify(full, null, 2) + "\n", { mode: 0o600 });
}

export function readInstanceRecord(dataDir: string): EmbeddedInstance | null {
  try {
    const parsed = JSON.parse(readFileSync(instanceFile(dataDir), "utf8")) as Partial<EmbeddedInstance>;
    if (!Number.isInteger(parsed.ownerPid) || !Number.isInteger(parsed.postmasterPid) || !Number.isInteger(parsed.port)) return null;
    return parsed as EmbeddedInstance;
  } catch {
    return null;
  }
}

/** Removes the record, but only our own (a refused second start must not delete the first one's). */
export function removeInstanceRecord(dataDir: string, postmasterPid: number): void {
  if (readInstanceRecord(dataDir)?.postmasterPid === postmasterPid) rmSync(instanceFile(dataDir), { force: true });
}

/** Start time of a process in clock ticks since boot (Linux), null when unknown or gone. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]); // field 22 overall; fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

/** Alive = exists and is not a zombie (an orphan's zombie lingers when PID 1 does not reap). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** The same process as recorded: alive, and (where the kernel tells) started at the recorded time. */
function isSameProcess(pid: number, startTicks: number | null): boolean {
  if (!isProcessAlive(pid)) return false;
  if (startTicks === null) return true;
  return processStartTicks(pid) === startTicks;
}

/** PID of the postmaster that holds the cluster folder (first line of postmaster.pid), if it is alive. */
export function livePostmasterPid(clusterDir: string): number | null {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : null;
}

/**
 * The running embedded server of this data folder, for tools that connect to it (create-admin,
 * lab --register): its record, if its postmaster is the one holding the cluster and still alive.
 */
export function runningEmbeddedInstance(dataDir: string): EmbeddedInstance | null {
  const record = readInstanceRecord(dataDir);
  if (!record) return null;
  const pid = livePostmasterPid(path.join(dataDir, "postgres"));
  return pid === record.postmasterPid && isSameProcess(pid, record.postmasterStartTicks) ? record : null;
}

export type OrphanOutcome = "none" | "stopped" | "owned-by-live-process" | "not-ours";

/**
 * Before starting: when the cluster is held by a postmaster that we started (our record names it)
 * and whose owner process is gone (killed with -9, so it never stopped PostgreSQL), shut that
 * orphan down cleanly and wait for it to exit. Never touches a postmaster whose owner is alive
 * (another Switchyard is running) nor one we have no record of (someone else's server): those
 * are left alone and the start is refused by PostgreSQL's own lock.
 */
export async function stopOrphanedPostmaster(
  dataDir: string,
  options: { log?: (line: string) => void; fastShutdownMs?: number; immediateShutdownMs?: number } = {},
): Promise<OrphanOutcome> {
  const clusterDir = path.join(dataDir, "postgres");
  const pid = livePostmasterPid(clusterDir);
  if (pid === null) return "none";
  const record = readInstanceRecord(dataDir);
  if (!record || record.postmasterPid !== pid || !isSameProcess(pid, record.postmasterStartTicks)) return "not-ours";
  if (isSameProcess(record.ownerPid, record.ownerStartTicks)) return "owned-by-live-process";

  options.log?.(`embedded PostgreSQL (pid ${pid}) outlived its owner (pid ${record.ownerPid}, gone): shutting it down before starting again\n`);
  // SIGINT = fast shutdown: ends the sessions left behind, writes a checkpoint, removes its lock.
  process.kill(pid, "SIGINT");
  if (await waitForExit(pid, options.fastShutdownMs ?? 30_000)) return "stopped";
  // SIGQUIT = immediate shutdown: no checkpoint; the next start runs crash recovery from the WAL.
  options.log?.(`embedded PostgreSQL (pid ${pid}) did not finish a fast shutdown; asking for an immediate shutdown\n`);
  process.kill(pid, "SIGQUIT");
  if (await waitForExit(pid, options.immediateShutdownMs ?? 15_000)) return "stopped";
  throw new Error(`The orphaned embedded PostgreSQL (pid ${pid}) does not stop; stop it by hand (kill ${pid}) and start again.`);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(50);
  }
  return !isProcessAlive(pid);
}
