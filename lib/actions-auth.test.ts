import { randomInt, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { anonymously, asRole } from "@/lib/auth/testing";
import * as nodeActions from "@/lib/nodes/actions";
import * as poolActions from "@/lib/pools/actions";
import * as probeActions from "@/lib/probe/actions";
import * as healthActions from "@/lib/health/actions";

// Every write the browser can make, with an input that would succeed for an operator.
// Anonymous callers and viewers must be refused, and nothing may change.
function net() {
  return `10.${randomInt(1, 255)}.${randomInt(0, 255)}`;
}

const WRITES: Array<[string, () => Promise<{ ok: boolean; fieldErrors?: Record<string, string> }>]> = [
  ["createNodeAction", () => nodeActions.createNodeAction({ scheme: "http", host: `${net()}.1`, port: 8080 })],
  ["updateNodeAction", () => nodeActions.updateNodeAction({ id: randomUUID(), scheme: "http", host: `${net()}.1`, port: 8080 })],
  ["importNodesAction", () => nodeActions.importNodesAction({ text: `${net()}.2:8080` })],
  ["changeNodeStateAction", () => nodeActions.changeNodeStateAction({ target: { nodeIds: [randomUUID()] }, state: "DRAINING" })],
  ["deleteNodesAction", () => nodeActions.deleteNodesAction({ target: { nodeIds: [randomUUID()] } })],
  ["createPoolAction", () => poolActions.createPoolAction({ name: `pool-${randomUUID().slice(0, 8)}` })],
  ["updatePoolAction", () => poolActions.updatePoolAction({ id: randomUUID(), pool: { name: "renamed" } })],
  ["deletePoolAction", () => poolActions.deletePoolAction({ id: randomUUID() })],
  ["setPoolMembershipAction", () => nodeActions.setPoolMembershipAction({ poolId: randomUUID(), target: { nodeIds: [randomUUID()] }, member: true })],
  ["createProbeTargetAction", () => probeActions.createProbeTargetAction({ url: `http://127.0.0.1:9/${randomUUID()}` })],
  ["deleteProbeTargetAction", () => probeActions.deleteProbeTargetAction({ id: randomUUID() })],
  [
    "savePoolProbeSettingsAction",
    () => probeActions.savePoolProbeSettingsAction({ poolId: randomUUID(), enabled: false, intervalSeconds: 60, connectTimeoutMs: 1000, firstByteTimeoutMs: 1000, totalTimeoutMs: 2000, targetIds: [] }),
  ],
  ["startProbeRunAction", () => probeActions.startProbeRunAction({ target: { nodeIds: [randomUUID()] }, targetIds: [randomUUID()] })],
  ["cancelProbeRunAction", () => probeActions.cancelProbeRunAction({ id: randomUUID() })],
  ["pinNodesAction", () => healthActions.pinNodesAction({ nodeIds: [randomUUID()], pinned: true })],
  ["rotateNodesAction", () => healthActions.rotateNodesAction({ nodeIds: [randomUUID()] })],
  ["setRotationUrlAction", () => healthActions.setRotationUrlAction({ nodeId: randomUUID(), rotationUrl: "http://127.0.0.1:9/rotate" })],
  ["saveHealthPolicyAction", () => healthActions.saveHealthPolicyAction({ poolId: randomUUID(), policy: {} })],
];

// Admin-only actions have their own tests (an operator must be refused too).
const ADMIN_ONLY = new Set(["revealNodePasswordAction"]); // lib/auth/reveal-node-password.test.ts

/** Every "use server" module under lib/ and the names of the actions it exports (found, not listed). */
async function discoverActions(): Promise<string[]> {
  const lib = import.meta.dirname;
  const files: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.tsx?$/.test(name) && !name.includes(".test.") && /^\s*["']use server["']/.test(readFileSync(file, "utf8"))) files.push(file);
    }
  })(lib);
  const names: string[] = [];
  for (const file of files) {
    const exports: Record<string, unknown> = await import(file);
    names.push(...Object.entries(exports).filter(([, value]) => typeof value === "function").map(([name]) => name));
  }
  return names;
}

async function counts() {
  const [nodes, pools, targets, audit] = await Promise.all([prisma.proxyNode.count(), prisma.pool.count(), prisma.probeTarget.count(), prisma.auditEvent.count()]);
  return { nodes, pools, targets, audit };
}

describe("server actions refuse callers without the operator role", () => {
  it("covers every exported server action under lib/", async () => {
    const exported = (await discoverActions()).filter((name) => !ADMIN_ONLY.has(name)).sort();
    expect(exported.length).toBeGreaterThan(15);
    expect(WRITES.map(([name]) => name).sort()).toEqual(exported);
  });

  it.each(WRITES)("%s: anonymous → sign-in error, viewer → role error", async (_name, write) => {
    const anonymous = await anonymously(write);
    expect(anonymous).toEqual({ ok: false, fieldErrors: { form: expect.stringMatching(/sign in/i) } });
    const viewer = await asRole("viewer", write);
    expect(viewer).toEqual({ ok: false, fieldErrors: { form: expect.stringMatching(/operator/i) } });
  });

  it("refused creates and imports store nothing", async () => {
    const host = `${net()}.77`;
    await anonymously(() => nodeActions.createNodeAction({ scheme: "http", host, port: 8080 }));
    await asRole("viewer", () => nodeActions.importNodesAction({ text: `${host}:8081\n${host}:8082` }));
    expect(await prisma.proxyNode.count({ where: { host } })).toBe(0);
    expect(await prisma.auditEvent.count({ where: { action: { in: ["node.created", "nodes.imported"] }, actor: { contains: "viewer" } } })).toBe(0);
  });

  it("an operator gets through (the same inputs reach validation or succeed)", async () => {
    const before = await counts();
    const created = await asRole("operator", () => nodeActions.createNodeAction({ scheme: "http", host: `${net()}.9`, port: 8080 }));
    expect(created.ok).toBe(true);
    const after = await counts();
    expect(after.nodes).toBeGreaterThan(before.nodes);
  });
});
