import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProbeCheck } from "@/lib/probe/probe-check";
import { startFaultLab, type FaultLab } from "./fault-lab";
import { openDescriptors, runHangSoak } from "./hang-soak";
import { TARGET_PATHS } from "./target-server";

let lab: FaultLab;
beforeAll(async () => {
  lab = await startFaultLab({
    proxies: [
      { name: "http-healthy", kind: "http" },
      { name: "http-hang", kind: "http", behaviour: { kind: "hang" } },
      { name: "https-hang", kind: "https", behaviour: { kind: "hang" } },
      { name: "socks5-hang", kind: "socks5", behaviour: { kind: "hang" } },
      { name: "http-blackhole", kind: "http", behaviour: { kind: "blackhole" } },
    ],
  });
});
afterAll(() => lab?.close());

describe("hanging proxies", () => {
  it("let go of every abandoned connection: the process's descriptors return to their baseline", async () => {
    const report = await runHangSoak(lab, {
      hangProxies: [lab.proxy("http-hang"), lab.proxy("https-hang"), lab.proxy("socks5-hang")],
      healthyProxy: lab.proxy("http-healthy"),
      durationMs: 3_000,
      perWave: 60,
    });
    // Each wave really was held by the proxies before it was dropped (hundreds of descriptors).
    expect(report.abandoned).toBeGreaterThanOrEqual(180);
    expect(report.peakFds).toBeGreaterThan(report.baselineFds + 150);
    expect(report.finalHanging).toBe(0);
    expect(report.finalFds).toBeLessThanOrEqual(report.baselineFds + 3);
    expect(report.healthyFailed).toBe(0);
    expect(report.healthyOk).toBeGreaterThan(0);
  });
});

describe("blackholed proxy", () => {
  it("drops connection attempts silently: the client waits for its own connect timeout", async () => {
    const proxy = lab.proxy("http-blackhole");
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: proxy.port });
      const timer = setTimeout(() => (socket.destroy(), resolve("no answer")), 800);
      socket.once("connect", () => (clearTimeout(timer), socket.destroy(), resolve("connected")));
      socket.once("error", (error: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(error.code ?? "error")));
    });
    expect(outcome).toBe("no answer");
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);

    const attempt = await runProbeCheck(
      { id: "bh", scheme: "http", host: "127.0.0.1", port: proxy.port },
      { url: `${lab.httpTarget.baseUrl}${TARGET_PATHS.ok}` },
      { timeouts: { connectMs: 400, firstByteMs: 1_000, totalMs: 2_000 } },
    );
    expect(attempt.faultClass).toBe("proxy_unreachable");
    expect(attempt.reason).toMatch(/connect timeout/);
  });

  it("goes down and comes back on the same port, without leaving descriptors behind", async () => {
    const proxy = lab.proxy("http-blackhole");
    const port = proxy.port;
    const before = openDescriptors();
    await proxy.stop();
    expect(proxy.isUp).toBe(false);
    await proxy.start();
    expect(proxy.port).toBe(port);
    expect(proxy.isUp).toBe(true);
    expect(openDescriptors()).toBeLessThanOrEqual(before + 1);
  });
});
