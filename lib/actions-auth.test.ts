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
import { ROLES, type Role } from "@/lib/auth/roles";
import type { ActionResult } from "@/lib/http/field-errors";
import * as userActions from "@/app/settings/users/actions";
import * as apiKeyActions from "@/app/settings/api-keys/actions";
import * as alertActions from "@/app/settings/alerts/actions";
import * as passwordActions from "@/app/settings/password-actions";

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

// The forms' actions in app/ take FormData and need at least this role (the same convention,
// lib/http/guarded-action.ts): a caller below it is refused with the role named.
const FORM_ACTIONS: Record<string, { minimum: Role; call: (form: FormData) => Promise<ActionResult> }> = {
  createUserAction: { minimum: "admin", call: (form) => userActions.createUserAction(null, form) },
  changeRoleAction: { minimum: "admin", call: (form) => userActions.changeRoleAction(null, form) },
  setDisabledAction: { minimum: "admin", call: (form) => userActions.setDisabledAction(null, form) },
  resetPasswordAction: { minimum: "admin", call: (form) => userActions.resetPasswordAction(null, form) },
  createApiKeyAction: { minimum: "admin", call: (form) => apiKeyActions.createApiKeyAction(null, form) },
  revokeApiKeyAction: { minimum: "admin", call: (form) => apiKeyActions.revokeApiKeyAction(null, form) },
  createChannelAction: { minimum: "admin", call: (form) => alertActions.createChannelAction(null, form) },
  deleteChannelAction: { minimum: "admin", call: (form) => alertActions.deleteChannelAction(null, form) },
  testChannelAction: { minimum: "operator", call: (form) => alertActions.testChannelAction(null, form) },
  createRuleAction: { minimum: "operator", call: (form) => alertActions.createRuleAction(null, form) },
  toggleRuleAction: { minimum: "operator", call: (form) => alertActions.toggleRuleAction(null, form) },
  deleteRuleAction: { minimum: "operator", call: (form) => alertActions.deleteRuleAction(null, form) },
  changeOwnPasswordAction: { minimum: "viewer", call: (form) => passwordActions.changeOwnPasswordAction(null, form) },
};

const ELSEWHERE = new Set([
  "revealNodePasswordAction", // admin only: lib/auth/reveal-node-password.test.ts
  "signIn", // public by nature (throttled): lib/auth/auth.test.ts, e2e sign-in
  "signOut", // ends the caller's own session, if any
  "createFirstAdminAction", // public until the first account exists: lib/auth/auth.test.ts, e2e setup
]);

/** Every "use server" module under lib/ and app/ and the names of the actions it exports (found, not listed). */
async function discoverActions(): Promise<string[]> {
  const root = path.dirname(import.meta.dirname);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.tsx?$/.test(name) && !name.includes(".test.") && /^\s*["']use server["']/.test(readFileSync(file, "utf8"))) files.push(file);
    }
  };
  walk(path.join(root, "lib"));
  const libCount = files.length;
  walk(path.join(root, "app"));
  expect(files.length).toBeGreaterThan(libCount); // app/ has form actions too
  const names: string[] = [];
  for (const file of files) {
    // One convention: every exported action runs its body in guardedAction.
    const source = readFileSync(file, "utf8");
    expect(source.match(/guardedAction\(/g)?.length ?? 0, file).toBe(source.match(/^export async function/gm)?.length ?? 0);
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
  it("covers every exported server action under lib/ and app/", async () => {
    const exported = (await discoverActions()).filter((name) => !ELSEWHERE.has(name)).sort();
    expect(exported.length).toBeGreaterThan(25);
    expect([...WRITES.map(([name]) => name), ...Object.keys(FORM_ACTIONS)].sort()).toEqual(exported);
  });

  it.each(Object.entries(FORM_ACTIONS))("%s (form): anonymous → sign-in error, below its role → role error", async (_name, { minimum, call }) => {
    const form = new FormData();
    for (const field of ["userId", "apiKeyId", "channelId", "ruleId"]) form.set(field, randomUUID());
    for (const [field, value] of Object.entries({ email: `x-${randomUUID()}@test.example`, password: "long enough password", confirm: "long enough password", current: "x", role: "viewer", name: "n", kind: "webhook", url: "http://127.0.0.1:9/hook", scope: "read" })) form.set(field, value);
    expect(await anonymously(() => call(form))).toEqual({ ok: false, fieldErrors: { form: expect.stringMatching(/sign in/i) } });
    const below = ROLES[ROLES.indexOf(minimum) - 1];
    if (below) expect(await asRole(below, () => call(form))).toEqual({ ok: false, fieldErrors: { form: expect.stringMatching(new RegExp(minimum, "i")) } });
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
