import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import "@/lib/api/routes";
import { api, testApiKey } from "@/lib/api/testing/api-client";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { TARGET_PATHS } from "@/lib/lab/target-server";

// Diagnose over REST: every answer is checked against the OpenAPI document by api().
let lab: FaultLab;
let poolId: string;
let targetId: string;
const nodeIds: Record<string, string> = {};

beforeAll(async () => {
  lab = await startFaultLab({
    proxies: [
      { name: "healthy", kind: "http" },
      { name: "unmarked-502", kind: "http", behaviour: { kind: "unmarked_error", status: 502 } },
    ],
  });
  const url = `${lab.httpTarget.baseUrl}${TARGET_PATHS.ok}`;
  targetId = (await prisma.probeTarget.upsert({ where: { url }, create: { url }, update: {} })).id;
  const pool = await prisma.pool.create({
    data: { name: `diagnose-api-${randomUUID()}`, probeSettings: { create: { enabled: false, connectTimeoutMs: 500, firstByteTimeoutMs: 1_000, totalTimeoutMs: 2_500, targetIds: [targetId] } } },
  });
  poolId = pool.id;
  for (const name of ["healthy", "unmarked-502"]) {
    const node = await prisma.proxyNode.create({ data: { scheme: "http", host: "127.0.0.1", port: lab.proxy(name).port, label: `api ${name}`, pools: { create: [{ poolId }] } } });
    nodeIds[name] = node.id;
  }
});
afterAll(() => lab?.close());

describe("POST /api/v1/nodes/{id}/diagnose", () => {
  it("runs the checklist, answers the stored diagnosis with its verdict, and applies the action once", async () => {
    const { key } = await testApiKey("write");
    const res = await api("POST", `/api/v1/nodes/${nodeIds["unmarked-502"]}/diagnose`, { key, body: { targetId } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      nodeId: nodeIds["unmarked-502"],
      targetId,
      status: "done",
      verdict: { failingHop: "proxy", action: { kind: "disable", label: "Disable this node" } },
      actionApplied: null,
    });
    expect(res.json.verdict.headline).toMatch(/^The proxy answers its own 502, yet through api healthy it answers 200 in \d+ ms\.$/);
    expect(res.json.steps.map((s: { key: string }) => s.key)).toEqual(["resolve", "connect", "handshake", "target", "control", "signature", "exit_ip"]);

    const stored = await api("GET", `/api/v1/diagnoses/${res.json.id}`, { key });
    expect(stored.status).toBe(200);
    expect(stored.json).toEqual(res.json);

    const applied = await api("POST", `/api/v1/diagnoses/${res.json.id}/apply`, { key, body: {} });
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({ outcome: "Node disabled.", diagnosis: { actionApplied: { outcome: "Node disabled." } } });
    expect(await prisma.proxyNode.findUniqueOrThrow({ where: { id: nodeIds["unmarked-502"] }, select: { state: true } })).toEqual({ state: "DISABLED" });
    const again = await api("POST", `/api/v1/diagnoses/${res.json.id}/apply`, { key, body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("conflict");
  });

  it("wait: false answers at once with a running diagnosis that GET shows finished later", async () => {
    const { key } = await testApiKey("write");
    const res = await api("POST", `/api/v1/nodes/${nodeIds.healthy}/diagnose`, { key, body: { targetId, wait: false } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ status: "running", verdict: null });
    let view = res.json;
    for (let i = 0; i < 200 && view.status === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = (await api("GET", `/api/v1/diagnoses/${res.json.id}`, { key })).json;
    }
    expect(view).toMatchObject({ status: "done", verdict: { failingHop: "none", action: null } });
    // Nothing to apply on a healthy node.
    expect((await api("POST", `/api/v1/diagnoses/${res.json.id}/apply`, { key, body: {} })).status).toBe(409);
  });

  it("the target defaults to the pool's scheduled one; clear errors for bad input, unknown ids, scope and pool", async () => {
    const { key } = await testApiKey("write");
    const defaulted = await api("POST", `/api/v1/nodes/${nodeIds.healthy}/diagnose`, { key, body: {} });
    expect(defaulted.status).toBe(201);
    expect(defaulted.json.targetId).toBe(targetId);

    const bad = await api("POST", `/api/v1/nodes/${nodeIds.healthy}/diagnose`, { key, body: { targetId: "nope", colour: "red" } });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.details.fields).sort()).toEqual(["body", "targetId"]); // the bad id, and the unknown field
    expect((await api("POST", `/api/v1/nodes/${randomUUID()}/diagnose`, { key, body: {} })).status).toBe(404);
    const noTarget = await api("POST", `/api/v1/nodes/${nodeIds.healthy}/diagnose`, { key, body: { targetId: randomUUID() } });
    expect(noTarget.status).toBe(404);
    expect((await api("GET", `/api/v1/diagnoses/${randomUUID()}`, { key })).status).toBe(404);

    const reader = await testApiKey("read");
    expect((await api("POST", `/api/v1/nodes/${nodeIds.healthy}/diagnose`, { key: reader.key, body: {} })).status).toBe(403);
    expect((await api("GET", `/api/v1/diagnoses/${defaulted.json.id}`, { key: reader.key })).status).toBe(200);
    const otherPool = await prisma.pool.create({ data: { name: `other-${randomUUID()}` } });
    const restricted = await testApiKey("write", otherPool.id);
    expect((await api("POST", `/api/v1/nodes/${nodeIds.healthy}/diagnose`, { key: restricted.key, body: {} })).status).toBe(403);
    expect((await api("GET", `/api/v1/diagnoses/${defaulted.json.id}`, { key: restricted.key })).status).toBe(403);
  });
});
