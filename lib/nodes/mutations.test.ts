import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { openSecret } from "@/lib/secrets/secret-box";
import { createPool } from "@/lib/pools/mutations";
import { changeNodeState, createNode, deleteNodes, importNodes, updateNode } from "./mutations";
import { changeStateSchema, createNodeSchema, importNodesSchema, updateNodeSchema } from "./schema";

// Each test works in its own 10.x.y.0/24 so parallel test files never collide on node identity.
function subnet(): string {
  return `10.${randomInt(1, 255)}.${randomInt(0, 255)}`;
}

describe("node mutations", () => {
  it("creates a node with a sealed password and refuses a duplicate with a field error", async () => {
    const net = subnet();
    const input = createNodeSchema.parse({ scheme: "http", host: `${net}.1`, port: "8080", username: "alice", password: "pw-1", label: "edge", tags: ["EU", "eu"] });
    const created = await createNode(SYSTEM_ACTOR, input);
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const stored = await prisma.proxyNode.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.passwordSealed).not.toContain("pw-1");
    expect(openSecret(stored.passwordSealed!)).toBe("pw-1");
    expect(stored.tags).toEqual(["eu"]);
    const again = await createNode(SYSTEM_ACTOR, input);
    expect(again).toEqual({ ok: false, code: "conflict", fieldErrors: { host: expect.stringMatching(/already exists/) } });
    const audit = await prisma.auditEvent.findMany({ where: { nodeId: created.id } });
    expect(audit.map((event) => event.action)).toEqual(["node.created"]);
    expect(JSON.stringify(audit[0].after)).not.toContain("pw-1");
  });

  it("keeps the stored password when an edit leaves it empty", async () => {
    const net = subnet();
    const created = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "socks5", host: `${net}.2`, port: 1080, username: "bob", password: "keep-me" }));
    if (!created.ok) throw new Error("create failed");
    const updated = await updateNode(SYSTEM_ACTOR, updateNodeSchema.parse({ id: created.id, scheme: "socks5", host: `${net}.2`, port: 1081, username: "bob", password: "", label: "moved" }));
    expect(updated.ok).toBe(true);
    const stored = await prisma.proxyNode.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.port).toBe(1081);
    expect(openSecret(stored.passwordSealed!)).toBe("keep-me");
  });

  it("an edit sets the node's pools exactly: a kept pool keeps its membership, a dropped one goes, a new one joins", async () => {
    const net = subnet();
    const [kept, dropped, joined] = await Promise.all(
      ["kept", "dropped", "joined"].map(async (name) => {
        const pool = await createPool(SYSTEM_ACTOR, { name: `edit-${name}-${net}`, description: "" });
        if (!pool.ok) throw new Error("pool create failed");
        return pool.id;
      }),
    );
    const created = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "http", host: `${net}.3`, port: 80, poolIds: [kept, dropped] }));
    if (!created.ok) throw new Error("create failed");
    const before = await prisma.poolMembership.findUniqueOrThrow({ where: { poolId_nodeId: { poolId: kept, nodeId: created.id } } });
    const updated = await updateNode(SYSTEM_ACTOR, updateNodeSchema.parse({ id: created.id, scheme: "http", host: `${net}.3`, port: 80, poolIds: [kept, joined] }));
    expect(updated.ok).toBe(true);
    const after = await prisma.poolMembership.findMany({ where: { nodeId: created.id } });
    expect(after.map((m) => m.poolId).sort()).toEqual([kept, joined].sort());
    expect(after.find((m) => m.poolId === kept)!.addedAt).toEqual(before.addedAt);
  });

  it("an import that may not attach stored nodes adds only the rows it created to the pool", async () => {
    const net = subnet();
    const pool = await createPool(SYSTEM_ACTOR, { name: `restricted-import-${net}`, description: "" });
    if (!pool.ok) throw new Error("pool create failed");
    const outside = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "http", host: `${net}.4`, port: 80 }));
    if (!outside.ok) throw new Error("create failed");
    const result = await importNodes(SYSTEM_ACTOR, importNodesSchema.parse({ text: `${net}.4:80\n${net}.5:80`, poolId: pool.id }), { attachExisting: false });
    if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
    expect(result.report.lines.map((l) => [l.status, l.message ?? null])).toEqual([
      ["duplicate", "Already stored outside this key's pool; not added to the pool."],
      ["added", null],
    ]);
    const members = await prisma.poolMembership.findMany({ where: { poolId: pool.id }, include: { node: true } });
    expect(members.map((m) => m.node.host)).toEqual([`${net}.5`]);
  });

  it("rejects bad fields with the field and the reason", () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ port: 0 }, "port", /out of range/],
      [{ port: 70000 }, "port", /out of range/],
      [{ scheme: "ftp" }, "scheme", /http, https or socks5/],
      [{ host: "" }, "host", /empty/],
      [{ host: "a\u0000b" }, "host", /control characters/],
      [{ label: "x\u001b[31m" }, "label", /control characters/],
      [{ tags: ["has space!"] }, "tags.0", /Tags are/],
    ];
    for (const [override, field, message] of cases) {
      const result = createNodeSchema.safeParse({ scheme: "http", host: "10.0.0.1", port: 80, ...override });
      expect(result.success, JSON.stringify(override)).toBe(false);
      if (!result.success) {
        const issue = result.error.issues.find((i) => i.path.join(".") === field);
        expect(issue?.message, JSON.stringify(override)).toMatch(message);
      }
    }
  });

  it("imports a mixed list, reports each line, stores only valid lines and dedupes", async () => {
    const net = subnet();
    const pool = await createPool(SYSTEM_ACTOR, { name: `import-${net}`, description: "" });
    if (!pool.ok) throw new Error("pool");
    const existing = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "http", host: `${net}.9`, port: 80 }));
    expect(existing.ok).toBe(true);
    const text = [
      `${net}.10:8080`,
      `http://user1:p%3Aw@${net}.11:3128`, // a ":" in the password needs the URL form
      `user2:secret@${net}.12:1080`,
      `socks5://user3:s%40cret@${net}.13:1080`,
      `${net}.14:0`,
      `ftp://${net}.15:21`,
      `${net}.10:8080`,
      `# a comment`,
      ``,
      `${net}.9:80`,
      `${net}.16:99999`,
    ].join("\n");
    const result = await importNodes(SYSTEM_ACTOR, importNodesSchema.parse({ text, poolId: pool.id, tags: ["batch"] }));
    if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
    const { report } = result;
    expect(report).toMatchObject({ added: 4, duplicate: 2, invalid: 3 });
    expect(report.lines.map((l) => [l.line, l.status])).toEqual([
      [1, "added"], [2, "added"], [3, "added"], [4, "added"], [5, "invalid"], [6, "invalid"], [7, "duplicate"], [10, "duplicate"], [11, "invalid"],
    ]);
    expect(report.lines[4]).toMatchObject({ field: "port", message: expect.stringMatching(/out of range/) });
    expect(report.lines[5]).toMatchObject({ field: "scheme" });
    expect(report.lines[6].message).toBe("Same node as line 1.");
    expect(report.lines[7].message).toBe("Already stored.");
    expect(JSON.stringify(report)).not.toMatch(/secret|p:w/);
    const stored = await prisma.proxyNode.findMany({ where: { host: { startsWith: `${net}.` } }, include: { pools: true }, orderBy: { host: "asc" } });
    expect(stored.map((n) => n.host)).toEqual([`${net}.10`, `${net}.11`, `${net}.12`, `${net}.13`, `${net}.9`]);
    const socks = stored.find((n) => n.host === `${net}.13`)!;
    expect(socks.scheme).toBe("socks5");
    expect(openSecret(socks.passwordSealed!)).toBe("s@cret");
    expect(openSecret(stored.find((n) => n.host === `${net}.11`)!.passwordSealed!)).toBe("p:w");
    // Every valid node, including the one that already existed, joined the pool.
    expect(stored.every((n) => n.pools.some((m) => m.poolId === pool.id))).toBe(true);
    expect(stored.find((n) => n.host === `${net}.10`)!.tags).toEqual(["batch"]);
  });

  it("refuses oversized pastes before parsing", () => {
    const result = importNodesSchema.safeParse({ text: "1.2.3.4:80\n".repeat(1_000_000) });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0].message).toMatch(/larger than 4 MB/);
  });

  it("changes state with who/why/when and one audit event per changed node", async () => {
    const net = subnet();
    const ids: string[] = [];
    for (const i of [1, 2]) {
      const created = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "http", host: `${net}.${i}`, port: 80 }));
      if (created.ok) ids.push(created.id);
    }
    expect(changeStateSchema.safeParse({ nodeIds: ids, state: "DISABLED" }).success).toBe(false);
    const result = await changeNodeState(SYSTEM_ACTOR, changeStateSchema.parse({ nodeIds: ids, state: "DISABLED", reason: "502 storm" }));
    expect(result).toEqual({ changed: 2, unchanged: 0 });
    const again = await changeNodeState(SYSTEM_ACTOR, changeStateSchema.parse({ nodeIds: ids, state: "DISABLED", reason: "again" }));
    expect(again).toEqual({ changed: 0, unchanged: 2 });
    const node = await prisma.proxyNode.findUniqueOrThrow({ where: { id: ids[0] } });
    expect(node).toMatchObject({ state: "DISABLED", stateReason: "502 storm", stateChangedBy: SYSTEM_ACTOR.label });
    const events = await prisma.auditEvent.findMany({ where: { nodeId: ids[0], action: "node.disabled" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: "502 storm", before: { state: "ENABLED" }, after: { state: "DISABLED" } });
  });

  it("deletes nodes and keeps their deletion in the audit log", async () => {
    const net = subnet();
    const created = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "http", host: `${net}.1`, port: 80 }));
    if (!created.ok) throw new Error("create");
    expect(await deleteNodes(SYSTEM_ACTOR, [created.id])).toEqual({ deleted: 1 });
    expect(await prisma.proxyNode.findUnique({ where: { id: created.id } })).toBeNull();
    const events = await prisma.auditEvent.findMany({ where: { subjectId: created.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["node.created", "node.deleted"]);
  });
});

describe("concurrent state changes", () => {
  it("two identical disables of one node write one change and one audit event", async () => {
    const host = `10.${randomInt(1, 255)}.${randomInt(0, 255)}.1`;
    const created = await createNode(SYSTEM_ACTOR, createNodeSchema.parse({ scheme: "http", host, port: 80 }));
    if (!created.ok) throw new Error("create");
    const input = changeStateSchema.parse({ nodeIds: [created.id], state: "DISABLED", reason: "double click" });
    const results = await Promise.all([changeNodeState(SYSTEM_ACTOR, input), changeNodeState(SYSTEM_ACTOR, input), changeNodeState(SYSTEM_ACTOR, input)]);
    expect(results.map((r) => r.changed).sort()).toEqual([0, 0, 1]);
    expect(await prisma.auditEvent.count({ where: { nodeId: created.id, action: "node.disabled" } })).toBe(1);
  });
});
