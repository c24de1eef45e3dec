import { spawn, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Real proxy software for the opt-in suite (npm run test:real-proxies): Squid, tinyproxy and Dante
 * from the Debian packages, each on 127.0.0.1 in its own temp dir with its own config, no caching,
 * short upstream timeouts. Targets are IP literals and Squid's resolver points at 127.0.0.1, so no
 * proxy ever asks the machine's DNS server. Started in the foreground and stopped by their own PID.
 */
export interface RealProxy {
  software: "squid" | "tinyproxy" | "dante";
  scheme: "http" | "socks5";
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export const REAL_PROXY_BINARIES = { squid: "/usr/sbin/squid", tinyproxy: "/usr/bin/tinyproxy", dante: "/usr/sbin/danted" } as const;

/** Upstream timeouts the proxies are configured with (seconds); the slow target waits longer. */
export const PROXY_READ_TIMEOUT_S = 3;

function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`exited with ${child.exitCode}: ${log()}`));
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) return reject(new Error(`not listening on ${port} after ${timeoutMs} ms: ${log()}`));
        setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

async function run(software: RealProxy["software"], scheme: RealProxy["scheme"], port: number, dir: string, args: string[]): Promise<RealProxy> {
  let output = "";
  const child = spawn(REAL_PROXY_BINARIES[software], args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  await waitForPort(port, child, () => output);
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && child.pid && process.kill(child.pid, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { software, scheme, port, pid: child.pid!, stop };
}

function tempDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `switchyard-${name}-`));
}

/** Squid on `port`; `extraPorts` are more listening ports of the same process (bench:gateway's pool of nodes with one upstream's capacity). */
export function startSquid(port: number, extraPorts: number[] = []): Promise<RealProxy> {
  const dir = tempDir("squid");
  const conf = path.join(dir, "squid.conf");
  writeFileSync(
    conf,
    [
      ...[port, ...extraPorts].map((p) => `http_port 127.0.0.1:${p}`),
      `pid_filename ${dir}/squid.pid`,
      // Running as root: Squid drops to this user; the temp dir is handed to it below.
      "cache_effective_user proxy",
      "cache deny all",
      "cache_mem 0 MB",
      `access_log stdio:${dir}/access.log`,
      `cache_log ${dir}/cache.log`,
      "cache_store_log none",
      `coredump_dir ${dir}`,
      // Never the machine's resolver: targets are IP literals, and anything else asks 127.0.0.1.
      "dns_nameservers 127.0.0.1",
      "connect_timeout 2 seconds",
      `read_timeout ${PROXY_READ_TIMEOUT_S} seconds`,
      "request_timeout 5 seconds",
      "forward_timeout 4 seconds",
      "acl loopback src 127.0.0.0/8",
      "acl SSL_ports port 1-65535",
      "http_access allow loopback",
      "http_access deny all",
      "shutdown_lifetime 0 seconds",
      "visible_hostname switchyard-real-proxy-suite",
      "",
    ].join("\n"),
  );
  chownSync(dir, uidOf("proxy"), gidOf("proxy"));
  return run("squid", "http", port, dir, ["-N", "-f", conf]);
}

export function startTinyproxy(port: number, allowedConnectPorts: number[]): Promise<RealProxy> {
  const dir = tempDir("tinyproxy");
  const conf = path.join(dir, "tinyproxy.conf");
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      "Listen 127.0.0.1",
      `Timeout ${PROXY_READ_TIMEOUT_S}`,
      "MaxClients 50",
      "Allow 127.0.0.1",
      'ViaProxyName "tinyproxy"',
      "LogLevel Info",
      `PidFile "${dir}/tinyproxy.pid"`,
      `LogFile "${dir}/tinyproxy.log"`,
      ...allowedConnectPorts.map((p) => `ConnectPort ${p}`),
      "",
    ].join("\n"),
  );
  chownSync(dir, uidOf("nobody"), gidOf("nogroup"));
  return run("tinyproxy", "http", port, dir, ["-d", "-c", conf]);
}

export function startDante(port: number): Promise<RealProxy> {
  const dir = tempDir("dante");
  const conf = path.join(dir, "danted.conf");
  writeFileSync(
    conf,
    [
      `logoutput: ${dir}/danted.log`,
      `internal: 127.0.0.1 port = ${port}`,
      "external: 127.0.0.1",
      "socksmethod: none",
      "clientmethod: none",
      "user.privileged: root",
      "user.unprivileged: nobody",
      "timeout.connect: 2",
      "timeout.negotiate: 5",
      "timeout.io: 5",
      "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
      // Only loopback destinations: the suite never leaves the machine.
      "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }",
      "socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }",
      "",
    ].join("\n"),
  );
  return run("dante", "socks5", port, dir, ["-f", conf, "-p", path.join(dir, "danted.pid"), "-N", "1"]);
}

function uidOf(user: string): number {
  return idOf("/etc/passwd", user);
}
function gidOf(group: string): number {
  return idOf("/etc/group", group);
}
function idOf(file: string, name: string): number {
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} in ${file}`);
  return Number(line.split(":")[2]);
}
