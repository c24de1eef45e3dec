import { Agent, request as httpRequest } from "node:http";
import { connect, Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seededRandom } from "@/lib/lab/seeded-random";
import { proxyAuthorization, startGatewayFixture, type GatewayFixture } from "./testing/gateway-fixture";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGatewayFixture({
    proxies: [
      { name: "a", kind: "http" },
      { name: "b", kind: "http" },
      { name: "hang", kind: "http", behaviour: { kind: "hang" } },
      { name: "refuse", kind: "http", behaviour: { kind: "refuse" } },
      { name: "socks", kind: "socks5" },
    ],
    settings: { maxAttempts: 4, connectTimeoutMs: 300, firstByteTimeoutMs: 300, deadlineMs: 5_000 },
  });
});
afterAll(async () => f?.close());

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("10,000 requests with random client aborts leave no client socket, upstream socket in use, or timer behind", async () => {
  const random = seededRandom(11);
  const auth = proxyAuthorization(`pool-${f.poolName}`, f.key);
  const target = f.lab.httpTarget.baseUrl;
  const targetPort = new URL(target).port;
  // Warm up so lazily created pools, caches and the recorder's timers exist in the baseline too.
  await new Promise<void>((resolve) => httpRequest({ host: "127.0.0.1", port: f.port, path: `${target}/ok`, headers: { "proxy-authorization": auth } }, (res) => res.resume().on("end", resolve)).end());
  await f.proxyGateway.recorder.flush();
  const baseline = resources();

  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let aborted = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const abortAfter = random() < 0.5 ? random() * 4 : undefined;
      if (i % 4 === 3) {
        // A tunnel: CONNECT, maybe a request inside, maybe cut at any moment.
        const socket = connect(f.port, "127.0.0.1");
        socket.on("error", () => {});
        socket.on("close", () => resolve());
        socket.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\nhost: 127.0.0.1:${targetPort}\r\nproxy-authorization: ${auth}\r\n\r\n`);
        socket.once("data", () => socket.write("GET /ok HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"));
        if (abortAfter !== undefined) setTimeout(() => (aborted++, socket.destroy()), abortAfter);
        return;
      }
      const path = i % 4 === 2 ? `${target}/slow-body?ms=20` : `${target}/ok`;
      const req = httpRequest({ host: "127.0.0.1", port: f.port, path, headers: { "proxy-authorization": auth }, agent }, (res) => {
        res.resume();
        res.on("end", resolve);
        res.on("close", resolve);
      });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      req.end();
      if (abortAfter !== undefined) setTimeout(() => (aborted++, req.destroy()), abortAfter);
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < 10_000) await one(next++);
    }),
  );
  agent.destroy();
  expect(aborted).toBeGreaterThan(3_000);

  // Cut attempts finish on their own timers (≤ 300 ms each); then nothing may be left.
  await until(() => f.proxyGateway.openSockets().clients === 0, "client sockets to close");
  await until(() => f.proxyGateway.openSockets().upstreamBusy === 0, "upstream sockets to be released");
  await f.proxyGateway.recorder.flush();
  await until(() => (resources().Timeout ?? 0) <= (baseline.Timeout ?? 0), `timers to end (${JSON.stringify(resources())} vs ${JSON.stringify(baseline)})`, 5_000);
  // Sockets by who holds them: the gateway's client side (its ports) and its upstream side (the lab
  // proxies' ports as remote end). Only idle keep-alive sockets to nodes may stay. (The lab's own
  // sockets — a hanging proxy holding its side, proxy→target keep-alive — are not the gateway's.)
  const proxyPorts = new Set(f.lab.proxies.map((p) => p.port));
  const gatewaySockets = () => {
    const sockets = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h): h is Socket => h instanceof Socket);
    return {
      clientSide: sockets.filter((s) => s.localPort === f.port || s.localPort === f.socksPort).length,
      upstreamSide: sockets.filter((s) => s.remotePort !== undefined && proxyPorts.has(s.remotePort)).length,
    };
  };
  await until(() => gatewaySockets().clientSide === 0, "the gateway's client sockets to close", 5_000);
  await until(() => gatewaySockets().upstreamSide <= f.proxyGateway.openSockets().upstreamIdle, `upstream sockets beyond the idle pool to close (${JSON.stringify(gatewaySockets())}, idle ${f.proxyGateway.openSockets().upstreamIdle})`, 5_000);
  expect(f.proxyGateway.openSockets().upstreamIdle).toBeLessThanOrEqual(2 * 64);
}, 240_000);
