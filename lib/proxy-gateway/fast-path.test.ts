import { createServer, request as httpRequest, Agent, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { createTestUser } from "@/lib/auth/testing";
import { getThrough, proxyAuthorization, startGatewayFixture, type GatewayFixture } from "./testing/gateway-fixture";

// The plain-HTTP fast path (raw sockets, bodies relayed by their framing) against real servers:
// lab HTTP proxies as nodes (node:http on their side), and a SOCKS5 node that leaves the framing
// to this file's own target server, so chunked bodies with trailers and close-delimited bodies
// reach the gateway exactly as the target wrote them.

let target: Server;
let targetUrl: string;
let http: GatewayFixture;
let socks: GatewayFixture;
const BIG = "b".repeat(200_000);

beforeAll(async () => {
  target = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path === "/chunked") {
      res.setHeader("trailer", "x-sum");
      res.write("a".repeat(10));
      setImmediate(() => {
        res.write(BIG);
        res.addTrailers({ "x-sum": "done" });
        res.end("c");
      });
    } else if (path === "/headers") {
      const body = JSON.stringify(req.headers);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-latin": "caf\u00e9" });
      res.end(body);
    } else if (path === "/empty") {
      res.writeHead(204).end();
    } else if (path === "/close") {
      // Close-delimited: no length, no chunking; the end of the connection ends the body.
      req.socket.end(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil the connection closes`);
    } else if (path === "/echo-body") {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => res.end(`${req.method} ${Buffer.concat(chunks).toString()}`));
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end(`ok ${path}`);
    }
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  http = await startGatewayFixture({ proxies: [{ name: "one", kind: "http" }, { name: "two", kind: "http" }] });
  socks = await startGatewayFixture({ proxies: [{ name: "socks", kind: "socks5" }] });
});
afterAll(async () => {
  await http?.close();
  await socks?.close();
  await new Promise((resolve) => target?.close(resolve));
});

/** Raw bytes in, raw bytes out: what a client on one connection gets for `requests` sent at once. */
function rawExchange(port: number, requests: string, until: (received: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (until(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
    socket.write(requests, "latin1");
  });
}

describe("plain-HTTP fast path", () => {
  it("keeps connections to the nodes alive: 200 requests reach two lab proxies over a handful of connections", async () => {
    const auth = proxyAuthorization(`pool-${http.poolName}`, http.key);
    const before = http.lab.proxies.reduce((n, p) => n + p.connectionsAccepted, 0);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const answers = await Promise.all(Array.from({ length: 200 }, () => getThrough(http.port, `${targetUrl}/ok`, auth, { agent })));
    agent.destroy();
    expect(answers.filter((a) => a.status !== 200 || a.body !== "ok /ok")).toEqual([]);
    const opened = http.lab.proxies.reduce((n, p) => n + p.connectionsAccepted, 0) - before;
    // Without reuse every request would be a connection of its own (200); 4 client connections
    // in flight need at most 4 per node.
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(8);
    expect(http.proxyGateway.openSockets().upstreamIdle).toBeGreaterThan(0);
  });

  it("relays headers byte for byte both ways (Latin-1 octets too) and drops hop-by-hop fields", async () => {
    const auth = proxyAuthorization(`pool-${http.poolName}`, http.key);
    const answer = await rawExchange(
      http.port,
      `GET ${targetUrl}/headers HTTP/1.1\r\nhost: ignored.example\r\nproxy-authorization: ${auth}\r\nx-note: caf\u00e9\r\nconnection: x-drop\r\nx-drop: 1\r\nkeep-alive: 5\r\n\r\n`,
      (received) => received.endsWith("}"),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // node:http wrote the target's "café" as UTF-8 octets; they arrive unchanged.
    expect(answer).toContain(`x-latin: ${Buffer.from("caf\u00e9", "utf8").toString("latin1")}\r\n`);
    expect(answer).toMatch(/x-switchyard-node: [0-9a-f-]{36}\r\n/);
    const echoed = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as Record<string, string>;
    // The target's JSON is UTF-8 (read here as Latin-1): its x-note must be the one octet 0xE9 it got.
    expect(Buffer.from(echoed["x-note"], "latin1").toString("utf8")).toBe("caf\u00e9");
    expect(echoed.host).toBe(new URL(targetUrl).host);
    expect(echoed["x-drop"]).toBeUndefined();
    expect(echoed["keep-alive"]).toBeUndefined();
    expect(echoed["proxy-authorization"]).toBeUndefined();
  });

  it("answers pipelined requests in order on one connection, HEAD and 204 without a body", async () => {
    const auth = proxyAuthorization(`pool-${http.poolName}`, http.key);
    const one = (path: string, method = "GET") => `${method} ${targetUrl}${path} HTTP/1.1\r\nhost: x\r\nproxy-authorization: ${auth}\r\n\r\n`;
    const answer = await rawExchange(http.port, one("/first") + one("/empty") + one("/third", "HEAD") + one("/last"), (received) => received.includes("ok /last"));
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(["200", "204", "200", "200"]);
    expect(answer.indexOf("ok /first")).toBeLessThan(answer.indexOf("ok /last"));
    expect(answer).not.toContain("ok /third");

    // More pipelined bytes than one head's worth: reading pauses while a request is in flight and
    // resumes after it, and every request is still answered, in order.
    const padded = (i: number) => `GET ${targetUrl}/p${i} HTTP/1.1\r\nhost: x\r\nproxy-authorization: ${auth}\r\nx-pad: ${"p".repeat(1_500)}\r\n\r\n`;
    const many = await rawExchange(http.port, Array.from({ length: 100 }, (_, i) => padded(i)).join(""), (received) => received.includes("ok /p99"));
    expect([...many.matchAll(/ok \/p(\d+)/g)].map((m) => Number(m[1]))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("relays a chunked body with trailers and a close-delimited body exactly as the target framed them", async () => {
    const auth = proxyAuthorization(`pool-${socks.poolName}`, socks.key);
    const chunked = await rawExchange(socks.port, `GET ${targetUrl}/chunked HTTP/1.1\r\nhost: x\r\nproxy-authorization: ${auth}\r\n\r\n`, (received) => received.endsWith("\r\n0\r\nx-sum: done\r\n\r\n"));
    expect(chunked).toMatch(/transfer-encoding: chunked\r\n/i);
    expect(chunked.endsWith("\r\n0\r\nx-sum: done\r\n\r\n")).toBe(true);
    // Decoded by a real client, the body is whole.
    const decoded = await getThrough(socks.port, `${targetUrl}/chunked`, auth);
    expect(decoded.body).toBe(`${"a".repeat(10)}${BIG}c`);

    const closing = await rawExchange(socks.port, `GET ${targetUrl}/close HTTP/1.1\r\nhost: x\r\nproxy-authorization: ${auth}\r\n\r\n`, () => false);
    expect(closing).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(closing).toMatch(/connection: close\r\n/);
    expect(closing.endsWith("\r\n\r\nuntil the connection closes")).toBe(true);
  });

  it("leaves requests with a body to node:http on the same port, and that connection keeps working", async () => {
    const auth = proxyAuthorization(`pool-${http.poolName}`, http.key);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const posted = await getThrough(http.port, `${targetUrl}/echo-body`, auth, { agent, method: "POST", body: "hello body" });
    expect(posted.status).toBe(200);
    expect(posted.body).toBe("POST hello body");
    expect(posted.headers["x-switchyard-node"]).toBeDefined();
    const after = await getThrough(http.port, `${targetUrl}/after`, auth, { agent });
    expect(after.body).toBe("ok /after");
    agent.destroy();
    // A refused key on the fast path: 407 with the reason, as node:http answered it before.
    const bad = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: http.port, method: "GET", path: `${targetUrl}/x`, headers: { "proxy-authorization": proxyAuthorization(`pool-${http.poolName}`, "wrong") } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(bad).toBe(407);
  });

  it("remembers a connection's verified key only until the key cache is cleared: a revoked key is refused on the same connection", async () => {
    const admin = await createTestUser("admin");
    const { key, apiKey } = await createApiKey(admin.actor, { name: "revoked on a kept-alive connection", scope: "read" });
    const auth = proxyAuthorization(`pool-${http.poolName}`, key);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await getThrough(http.port, `${targetUrl}/before`, auth, { agent })).status).toBe(200);
    const generation = http.gateway.keys.generation;
    await revokeApiKey(admin.actor, apiKey.id);
    // The ApiKey trigger's notification clears the key cache; the connection's memo goes with it.
    const deadline = Date.now() + 10_000;
    while (http.gateway.keys.generation === generation) {
      if (Date.now() > deadline) throw new Error("the key cache was never cleared");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const after = await getThrough(http.port, `${targetUrl}/after-revoke`, auth, { agent });
    agent.destroy();
    expect(after.status).toBe(407);
    expect(after.body).toMatch(/invalid, revoked or expired/);
  });
});
