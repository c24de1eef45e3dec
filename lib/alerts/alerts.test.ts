import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { createTestUser } from "@/lib/auth/testing";
import { insertProbeResults } from "@/lib/probe/result-writer";
import { defaultAttribution, FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import type { ProbeAttempt } from "@/lib/probe/probe-check";
import { evaluateAlertRules } from "./evaluate-alerts";
import { nextIncidentStep } from "./incident-machine";
import { measureRule } from "./measure-rule";
import { createAlertChannel, createAlertRule, sendTestNotification } from "./mutations";
import { deliverDueNotifications, SIGNATURE_HEADER } from "./notifications";
import { listAlertIncidents } from "./data";
import "@/lib/api/routes";
import { api, testApiKey } from "@/lib/api/testing/api-client";

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  answered: number;
}

const SECRET = "receiver-shared-secret";
const received: Received[] = [];
let failNext = 0;
let receiver: Server;
let receiverUrl: string;
let poolId: string;
let nodeIds: string[];
let targetId: string;
const T = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const at = (minutes: number) => new Date(T.getTime() + minutes * 60_000);

function attempt(nodeId: string, faultClass: FaultClass, startedAt: Date): ProbeAttempt {
  const { bucket } = FAULT_CLASSES[faultClass];
  return {
    nodeId, targetId, targetUrl: "http://127.0.0.1:9/", startedAt, connectMs: 1, tlsMs: null, firstByteMs: 2, totalMs: 50,
    status: faultClass === "ok" ? 200 : 502, bytes: 0, exitIp: null, faultClass, bucket, ...defaultAttribution(faultClass), reason: "test", errorDetail: null,
  };
}

/** `count` results spread over [from, from + 4 min), `bad` of them proxy-caused 502s. */
async function results(from: Date, count: number, bad: number, badClass: FaultClass = "proxy_502") {
  await insertProbeResults(
    Array.from({ length: count }, (_, i) => attempt(nodeIds[i % nodeIds.length], i < bad ? badClass : "ok", new Date(from.getTime() + (i * 240_000) / count))),
  );
}

function verifySignature(entry: Received): boolean {
  const header = String(entry.headers[SIGNATURE_HEADER] ?? "");
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  return createHmac("sha256", SECRET).update(`${match[1]}.${entry.body}`).digest("hex") === match[2];
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const answered = failNext > 0 ? (failNext--, 500) : 204;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const suffix = Math.random().toString(36).slice(2, 8);
  poolId = (await prisma.pool.create({ data: { name: `alerts-${suffix}` } })).id;
  const nodes = await Promise.all(
    [1, 2].map((n) => prisma.proxyNode.create({ data: { scheme: "http", host: `127.0.${10 + n}.${Math.floor(Math.random() * 250)}`, port: 41_000 + n, label: suffix } })),
  );
  nodeIds = nodes.map((node) => node.id);
  await prisma.poolMembership.createMany({ data: nodeIds.map((nodeId) => ({ poolId, nodeId })) });
  targetId = (await prisma.probeTarget.create({ data: { url: `http://127.0.0.1:9/alerts-${suffix}` } })).id;
});

afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe("incident machine", () => {
  it("opens on a breach, holds down while clear, resolves after the hold-down, and a re-breach keeps the incident", () => {
    expect(nextIncidentStep(null, false, at(0), 10)).toEqual({ action: "none" });
    expect(nextIncidentStep(null, true, at(0), 10)).toEqual({ action: "open" });
    expect(nextIncidentStep({ clearSince: null }, false, at(1), 10)).toEqual({ action: "keep", clearSince: at(1) });
    expect(nextIncidentStep({ clearSince: at(1) }, true, at(2), 10)).toEqual({ action: "keep", clearSince: null });
    expect(nextIncidentStep({ clearSince: at(1) }, false, at(10), 10)).toEqual({ action: "keep", clearSince: at(1) });
    expect(nextIncidentStep({ clearSince: at(1) }, false, at(11), 10)).toEqual({ action: "resolve" });
  });
});

describe("alerts against a local webhook receiver", () => {
  it("fires once, dedupes, holds down through a flap, resolves once, and retries a failing receiver with backoff", async () => {
    const admin = await createTestUser("admin");
    const channel = await createAlertChannel(admin.actor, { name: `hook-${poolId.slice(0, 6)}`, kind: "webhook", url: receiverUrl, secret: SECRET });
    await createAlertRule(admin.actor, {
      name: "proxy 502s above 5 %", poolId, kind: "rate_502", origin: "proxy", threshold: 0.05, windowMinutes: 5, minSamples: 10, holdDownMinutes: 10, channelId: channel.id,
    });
    // 20 results in the last 5 min, 5 of them the proxy's own 502s: 25 % > 5 %.
    await results(at(-4.5), 20, 5);

    expect(await evaluateAlertRules(at(0))).toMatchObject({ evaluated: 1, fired: 1, resolved: 0 });
    expect(await deliverDueNotifications(at(0))).toMatchObject({ delivered: 1 });
    expect(received).toHaveLength(1);
    const fired = JSON.parse(received[0].body);
    expect(fired).toMatchObject({ event: "fired", incident: { state: "firing" }, pool: { id: poolId }, rule: { kind: "rate_502", origin: "proxy" } });
    expect(fired.incident.summary).toContain("proxy-caused 502-class rate 25.0 %");
    expect(received[0].headers["x-switchyard-event"]).toBe("fired");
    expect(verifySignature(received[0])).toBe(true);

    // Same interval: not evaluated again. Next interval, still breaching: same incident, no new notification.
    expect(await evaluateAlertRules(at(0.2))).toMatchObject({ evaluated: 0 });
    expect(await evaluateAlertRules(at(1))).toMatchObject({ evaluated: 1, fired: 0 });
    await deliverDueNotifications(at(1));
    expect(received).toHaveLength(1);

    // Clear (no results in the window), then a brief re-breach inside the hold-down: still one incident, silent.
    expect(await evaluateAlertRules(at(10))).toMatchObject({ fired: 0, resolved: 0 });
    await results(at(7.5), 20, 10);
    expect(await evaluateAlertRules(at(12))).toMatchObject({ fired: 0, resolved: 0 });
    expect(await evaluateAlertRules(at(20))).toMatchObject({ fired: 0, resolved: 0 });
    await deliverDueNotifications(at(20));
    expect(received).toHaveLength(1);
    let [incident] = await listAlertIncidents({ poolId });
    expect(incident.state).toBe("firing");
    // The re-breach at +12 min stopped the first hold-down clock; the one running now started at +20.
    expect((await prisma.alertIncident.findFirstOrThrow({ where: { poolId } })).clearSince).toEqual(at(20));
    expect(incident.peakValue).toBeCloseTo(0.5, 5);

    // Clear for the whole hold-down: resolved, and the receiver fails twice before taking it.
    expect(await evaluateAlertRules(at(30))).toMatchObject({ resolved: 1 });
    failNext = 2;
    expect(await deliverDueNotifications(at(30))).toMatchObject({ retried: 1, delivered: 0 });
    expect(await deliverDueNotifications(at(30))).toMatchObject({ retried: 0, delivered: 0 }); // backing off
    expect(await deliverDueNotifications(at(31))).toMatchObject({ retried: 1 });
    expect(await deliverDueNotifications(at(31.5))).toMatchObject({ retried: 0, delivered: 0 }); // the second wait is longer
    expect(await deliverDueNotifications(at(33))).toMatchObject({ delivered: 1 });
    expect(received.map((entry) => [JSON.parse(entry.body).event, entry.answered])).toEqual([["fired", 204], ["resolved", 500], ["resolved", 500], ["resolved", 204]]);
    // Retries carry the same delivery id, so a receiver can dedupe.
    expect(new Set(received.slice(1).map((entry) => entry.headers["x-switchyard-delivery"])).size).toBe(1);
    expect(received.every(verifySignature)).toBe(true);

    [incident] = await listAlertIncidents({ poolId });
    expect(incident.state).toBe("resolved");
    expect(incident.resolvedAt).toBe(at(30).toISOString());
    expect(incident.notifications).toEqual([
      expect.objectContaining({ event: "fired", status: "delivered", attempts: 1 }),
      expect.objectContaining({ event: "resolved", status: "delivered", attempts: 3 }),
    ]);
    expect(await prisma.alertIncident.count({ where: { poolId } })).toBe(1);
  });

  it("sends a Slack-compatible test message, and reports a receiver that refuses", async () => {
    const operator = await createTestUser("admin");
    const slack = await createAlertChannel(operator.actor, { name: `slack-${poolId.slice(0, 6)}`, kind: "slack", url: receiverUrl });
    const before = received.length;
    expect(await sendTestNotification(operator.actor, slack.id)).toEqual({ ok: true, status: 204, error: null });
    expect(JSON.parse(received[before].body)).toEqual({ text: expect.stringContaining("test notification") });
    expect(received[before].headers[SIGNATURE_HEADER]).toBeUndefined();
    failNext = 1;
    expect(await sendTestNotification(operator.actor, slack.id)).toEqual({ ok: false, status: 500, error: "HTTP 500" });
  });

  it("rejects bad rule input with the field and reason", async () => {
    const admin = await createTestUser("admin");
    const channel = await createAlertChannel(admin.actor, { name: `bad-${poolId.slice(0, 6)}`, kind: "webhook", url: receiverUrl });
    const base = { name: "x", poolId, kind: "rate_502", threshold: 0.1, channelId: channel.id };
    await expect(createAlertRule(admin.actor, { ...base, threshold: 5 })).rejects.toMatchObject({ field: "threshold" });
    await expect(createAlertRule(admin.actor, { ...base, kind: "healthy_below", origin: "proxy" })).rejects.toMatchObject({ field: "origin" });
    await expect(createAlertChannel(admin.actor, { name: "creds", kind: "webhook", url: "http://u:p@127.0.0.1/" })).rejects.toMatchObject({ field: "url" });
    const viewer = await createTestUser("viewer");
    await expect(createAlertRule(viewer.actor, base)).rejects.toMatchObject({ status: 403 });
  });

  it("REST: rules and incident history, with the OpenAPI contract, scopes and pool restriction", async () => {
    const admin = await createTestUser("admin");
    const channel = await createAlertChannel(admin.actor, { name: `api-${poolId.slice(0, 6)}`, kind: "webhook", url: receiverUrl });
    const write = await testApiKey("write");
    const read = await testApiKey("read");
    const created = await api("POST", "/api/v1/alerts/rules", {
      key: write.key,
      body: { name: "few healthy", poolId, kind: "healthy_below", threshold: 3, channelId: channel.id },
    });
    expect(created.status).toBe(201);
    expect((await api("POST", "/api/v1/alerts/rules", { key: read.key, body: { name: "x", poolId, kind: "spike", threshold: 3, channelId: channel.id } })).status).toBe(403);
    const invalid = await api("POST", "/api/v1/alerts/rules", { key: write.key, body: { name: "x", poolId, kind: "rate_504", threshold: 2, channelId: channel.id } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.details.fields).toHaveProperty("threshold");

    const rules = await api("GET", `/api/v1/alerts/rules?poolId=${poolId}`, { key: read.key });
    expect(rules.json.rules.map((rule: { name: string }) => rule.name)).toContain("few healthy");
    const incidents = await api("GET", `/api/v1/alerts/incidents?poolId=${poolId}&state=resolved`, { key: read.key });
    expect(incidents.status).toBe(200);
    expect(incidents.json.incidents[0]).toMatchObject({ state: "resolved", notifications: [{ event: "fired" }, { event: "resolved", status: "delivered" }] });

    const otherPool = await prisma.pool.create({ data: { name: `alerts-other-${poolId.slice(0, 6)}` } });
    const restricted = await testApiKey("write", otherPool.id);
    expect((await api("GET", `/api/v1/alerts/incidents?poolId=${poolId}`, { key: restricted.key })).status).toBe(403);
    expect((await api("GET", "/api/v1/alerts/incidents", { key: restricted.key })).json.incidents).toEqual([]);
    expect((await api("DELETE", `/api/v1/alerts/rules/${created.json.id}`, { key: restricted.key })).status).toBe(403);
    expect((await api("DELETE", `/api/v1/alerts/rules/${created.json.id}`, { key: write.key })).status).toBe(204);
    expect((await api("DELETE", `/api/v1/alerts/rules/${created.json.id}`, { key: write.key })).status).toBe(404);
  });
});

describe("healthy nodes below N", () => {
  it("counts by the one health rule: a target-caused 502 burst or blocks keep a node healthy, node-caused 502s do not", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const pool = await prisma.pool.create({ data: { name: `healthy-${suffix}` } });
    const [targetBurst, blocked, nodeBurst] = await Promise.all(
      [1, 2, 3].map((n) => prisma.proxyNode.create({ data: { scheme: "http", host: `127.0.${20 + n}.${Math.floor(Math.random() * 250)}`, port: 42_000 + n, label: suffix } })),
    );
    await prisma.poolMembership.createMany({ data: [targetBurst, blocked, nodeBurst].map((node) => ({ poolId: pool.id, nodeId: node.id })) });
    const now = Date.now();
    const burst = (nodeId: string, faultClass: FaultClass, faultOrigin: "target" | "proxy") =>
      Array.from({ length: 10 }, (_, i): ProbeAttempt => ({ ...attempt(nodeId, faultClass, new Date(now - i * 1000)), faultOrigin, originEvidence: "phase" }));
    await insertProbeResults([...burst(targetBurst.id, "target_502", "target"), ...burst(blocked.id, "blocked", "target"), ...burst(nodeBurst.id, "proxy_502", "proxy")]);
    const measured = await measureRule({ kind: "healthy_below", poolId: pool.id, origin: null, threshold: 3, windowMinutes: 5, minSamples: 1 }, new Date());
    expect(measured).toMatchObject({ value: 2, samples: 3, breached: true });
  });
});
