import { readdirSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { runProbeCheck } from "@/lib/probe/probe-check";
import type { FaultLab } from "./fault-lab";
import type { LabProxy } from "./lab-proxy";
import { TARGET_PATHS } from "./target-server";

/** Open descriptors of this process (Linux). */
export function openDescriptors(): number {
  return readdirSync("/proc/self/fd").length;
}

export interface SoakSample {
  elapsedMs: number;
  fds: number;
  /** Connections the hanging proxies held at the sample. */
  hanging: number;
  abandoned: number;
  healthyOk: number;
  healthyFailed: number;
}

export interface SoakReport {
  baselineFds: number;
  peakFds: number;
  /** After the last clients left and the lab had a moment to notice. */
  finalFds: number;
  finalHanging: number;
  abandoned: number;
  healthyOk: number;
  healthyFailed: number;
  /** The healthy proxy's first failures, if any (class: reason). */
  failures: string[];
  samples: SoakSample[];
}

export interface SoakOptions {
  /** Lab proxies with behaviour "hang" (http, https or socks5) and one healthy HTTP proxy. */
  hangProxies: LabProxy[];
  healthyProxy: LabProxy;
  durationMs: number;
  /** Connections opened per hanging proxy per wave (all held, then abandoned together). */
  perWave?: number;
  sampleEveryMs?: number;
  onSample?: (sample: SoakSample) => void;
}

/**
 * Clients that give up on hanging proxies, wave after wave, as a prober does: each connection
 * reaches the point where the proxy hangs (absolute-form GET, CONNECT, TLS + CONNECT, SOCKS
 * greeting), is held until the proxy is really hanging on it, then dropped. Meanwhile a healthy
 * proxy must keep answering. Measures this process's descriptors, so run it with the lab in the
 * same process.
 */
export async function runHangSoak(lab: FaultLab, options: SoakOptions): Promise<SoakReport> {
  const perWave = options.perWave ?? 100;
  const healthyTarget = { url: `${lab.httpTarget.baseUrl}${TARGET_PATHS.ok}` };
  const healthyNode = { id: "soak-healthy", scheme: "http" as const, host: "127.0.0.1", port: options.healthyProxy.port };
  const hanging = () => options.hangProxies.reduce((sum, p) => sum + p.hanging, 0);
  const counts = { abandoned: 0, healthyOk: 0, healthyFailed: 0 };
  const failures: string[] = [];

  const wave = async () => {
    const sockets: Socket[] = [];
    const before = hanging();
    for (const proxy of options.hangProxies) for (let i = 0; i < perWave; i++) sockets.push(openToHang(proxy, i, lab.httpsTarget.baseUrl));
    // Hold until the proxies hang on (nearly) all of them, so the abandon really hits a hung connection.
    const deadline = Date.now() + 5_000;
    while (hanging() - before < sockets.length * 0.95 && Date.now() < deadline) await pause(20);
    // Generous timeouts: a lab out of descriptors fails at once (reset, refused); a busy machine is only slow.
    const check = await runProbeCheck(healthyNode, healthyTarget, { timeouts: { connectMs: 10_000, firstByteMs: 30_000, totalMs: 40_000 } });
    if (check.faultClass === "ok") counts.healthyOk++;
    else {
      counts.healthyFailed++;
      failures.push(`${check.faultClass}: ${check.reason}`);
    }
    for (const socket of sockets) socket.destroy();
    counts.abandoned += sockets.length;
  };

  // Baseline after one wave: first use creates lasting descriptors (TLS, worker pools) that are not leaks.
  await wave();
  await settle(hanging);
  const baselineFds = openDescriptors();
  counts.abandoned = 0;
  counts.healthyOk = 0;

  const started = Date.now();
  const samples: SoakSample[] = [];
  let peakFds = baselineFds;
  let lastSample = 0;
  while (Date.now() - started < options.durationMs) {
    await wave();
    const fds = openDescriptors();
    peakFds = Math.max(peakFds, fds);
    if (Date.now() - lastSample >= (options.sampleEveryMs ?? 1_000)) {
      lastSample = Date.now();
      const sample = { elapsedMs: lastSample - started, fds, hanging: hanging(), ...counts };
      samples.push(sample);
      options.onSample?.(sample);
    }
  }
  await settle(hanging);
  return { baselineFds, peakFds, finalFds: openDescriptors(), finalHanging: hanging(), ...counts, failures: failures.slice(0, 10), samples };
}

/** Waits (up to 10 s) until the hanging proxies have let go of every abandoned connection. */
async function settle(hanging: () => number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (hanging() > 0 && Date.now() < deadline) await pause(20);
  await pause(100);
}

function openToHang(proxy: LabProxy, index: number, httpsTargetUrl: string): Socket {
  const authority = new URL(httpsTargetUrl).host;
  const ignore = () => {};
  if (proxy.kind === "socks5") {
    const socket = netConnect({ host: "127.0.0.1", port: proxy.port }, () => socket.write(Buffer.from([0x05, 0x01, 0x00])));
    return socket.on("error", ignore);
  }
  const request =
    index % 2 === 0
      ? `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`
      : `GET http://${authority}/ok HTTP/1.1\r\nHost: ${authority}\r\n\r\n`;
  if (proxy.kind === "https") {
    const socket = tlsConnect({ host: "127.0.0.1", port: proxy.port, rejectUnauthorized: false }, () => socket.write(request));
    return socket.on("error", ignore);
  }
  const socket = netConnect({ host: "127.0.0.1", port: proxy.port }, () => socket.write(request));
  return socket.on("error", ignore);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
