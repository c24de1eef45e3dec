import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { getPool } from "./data";
import { changePoolMembers, createPool, deletePool, updatePool } from "./mutations";
import { DEFAULT_PROXY_GATEWAY_SETTINGS, poolChangeSchema } from "./schema";

const name = () => `pool-${randomUUID().slice(0, 8)}`;

describe("pool mutations: one transaction with its audit per write", () => {
  it("creates a pool with its checkout settings and both audit events, or nothing", async () => {
    const created = await createPool(SYSTEM_ACTOR, { name: name(), description: "d", strategy: "weighted", stickyTtlSeconds: 120 });
    if (!created.ok) throw new Error("create failed");
    const pool = await getPool(created.id);
    expect(pool).toMatchObject({ strategy: "weighted", stickyTtlSeconds: 120, description: "d" });
    const actions = (await prisma.auditEvent.findMany({ where: { subjectId: created.id } })).map((e) => e.action).sort();
    expect(actions).toEqual(["pool.checkout_settings_changed", "pool.created"]);

    const duplicate = await createPool(SYSTEM_ACTOR, { name: pool!.name, description: "", strategy: "random" });
    expect(duplicate).toMatchObject({ ok: false, code: "conflict", fieldErrors: { name: expect.stringMatching(/already exists/) } });
  });

  it("a rename that collides leaves the strategy change undone too (same transaction)", async () => {
    const a = await createPool(SYSTEM_ACTOR, { name: name(), description: "" });
    const b = await createPool(SYSTEM_ACTOR, { name: name(), description: "" });
    if (!a.ok || !b.ok) throw new Error("create failed");
    const taken = (await getPool(a.id))!.name;
    const result = await updatePool(SYSTEM_ACTOR, b.id, { name: taken, strategy: "random" });
    expect(result).toMatchObject({ ok: false, code: "conflict" });
    expect(await getPool(b.id)).toMatchObject({ strategy: "round_robin", stickyTtlSeconds: 600 });
    expect(await prisma.poolGatewaySettings.count({ where: { poolId: b.id } })).toBe(0);

    expect(await updatePool(SYSTEM_ACTOR, randomUUID(), { strategy: "random" })).toMatchObject({ ok: false, code: "not_found" });
  });

  it("changes members and weights together and removes settings and weights with the pool", async () => {
    const created = await createPool(SYSTEM_ACTOR, { name: name(), description: "", strategy: "weighted" });
    if (!created.ok) throw new Error("create failed");
    const nodes = await Promise.all(
      [1, 2].map((i) => prisma.proxyNode.create({ data: { scheme: "http", host: `10.250.${randomUUID().charCodeAt(0)}.${i}`, port: 3000 + Math.floor(Math.random() * 60000) } })),
    );
    const result = await changePoolMembers(SYSTEM_ACTOR, created.id, { add: nodes.map((n) => n.id), weights: { [nodes[0].id]: 5 } });
    expect(result).toEqual({ ok: true, added: 2, removed: 0, weighted: 1 });
    expect(await prisma.auditEvent.count({ where: { subjectId: created.id, action: { in: ["pool.nodes_added", "pool.weights_changed"] } } })).toBe(2);
    expect(await changePoolMembers(SYSTEM_ACTOR, randomUUID(), { add: [nodes[0].id] })).toMatchObject({ ok: false, code: "not_found" });

    expect(await deletePool(SYSTEM_ACTOR, created.id)).toEqual({ deleted: true });
    expect(await prisma.poolGatewaySettings.count({ where: { poolId: created.id } })).toBe(0);
    expect(await prisma.poolNodeWeight.count({ where: { poolId: created.id } })).toBe(0);
    expect(await prisma.proxyNode.count({ where: { id: { in: nodes.map((n) => n.id) } } })).toBe(2);
  });

  it("saves the gateway's retry settings as a partial change with one audit event, validates each field, removes them with the pool", async () => {
    const created = await createPool(SYSTEM_ACTOR, { name: name(), description: "" });
    if (!created.ok) throw new Error("create failed");
    expect((await getPool(created.id))!.proxyGateway).toEqual(DEFAULT_PROXY_GATEWAY_SETTINGS);

    expect(await updatePool(SYSTEM_ACTOR, created.id, { proxyGateway: { maxAttempts: 5, retryTargetFailures: true } })).toEqual({ ok: true });
    expect((await getPool(created.id))!.proxyGateway).toEqual({ ...DEFAULT_PROXY_GATEWAY_SETTINGS, maxAttempts: 5, retryTargetFailures: true });
    // A second partial change keeps the first.
    expect(await updatePool(SYSTEM_ACTOR, created.id, { proxyGateway: { deadlineMs: 12_000 } })).toEqual({ ok: true });
    expect(await prisma.poolProxyGatewaySettings.findUnique({ where: { poolId: created.id } })).toMatchObject({ maxAttempts: 5, retryTargetFailures: true, deadlineMs: 12_000 });
    const events = await prisma.auditEvent.findMany({ where: { subjectId: created.id, action: "pool.gateway_settings_changed" }, orderBy: { id: "asc" } });
    expect(events).toHaveLength(2);
    expect(events[0].before).toEqual(DEFAULT_PROXY_GATEWAY_SETTINGS);
    expect(events[1]).toMatchObject({ before: { maxAttempts: 5, deadlineMs: 30_000 }, after: { maxAttempts: 5, deadlineMs: 12_000 } });
    // No gateway fields: no row touched, no event.
    expect(await updatePool(SYSTEM_ACTOR, created.id, { description: "x", proxyGateway: {} })).toEqual({ ok: true });
    expect(await prisma.auditEvent.count({ where: { subjectId: created.id, action: "pool.gateway_settings_changed" } })).toBe(2);

    // Form text is coerced; bad values name their field.
    expect(poolChangeSchema.parse({ proxyGateway: { maxAttempts: "4", firstByteTimeoutMs: "2500" } }).proxyGateway).toEqual({ maxAttempts: 4, firstByteTimeoutMs: 2_500 });
    const bad = poolChangeSchema.safeParse({ proxyGateway: { maxAttempts: "0", deadlineMs: "soon", connectTimeoutMs: 61_000, firstByteTimeoutMs: 1.5, retryTargetFailures: "yes", colour: 1 } });
    expect(bad.success).toBe(false);
    const messages = Object.fromEntries(bad.error!.issues.map((issue) => [issue.path.join(".") || issue.code, issue.message]));
    expect(messages).toMatchObject({
      "proxyGateway.maxAttempts": "At least 1 attempt.",
      "proxyGateway.deadlineMs": "Deadline is a number of milliseconds.",
      "proxyGateway.connectTimeoutMs": "Connect timeout: at most 60 s.",
      "proxyGateway.firstByteTimeoutMs": "First-byte timeout is a whole number of milliseconds.",
    });
    expect(Object.keys(messages)).toEqual(expect.arrayContaining(["proxyGateway.retryTargetFailures", "proxyGateway"]));

    expect(await deletePool(SYSTEM_ACTOR, created.id)).toEqual({ deleted: true });
    expect(await prisma.poolProxyGatewaySettings.count({ where: { poolId: created.id } })).toBe(0);
  });
});
