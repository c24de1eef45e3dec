import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { AuthorizationError } from "@/lib/auth/actor";
import { revealNodePassword } from "@/lib/auth/reveal-node-password";
import { revealNodePasswordAction } from "@/lib/nodes/actions";
import { anonymously, asRole } from "@/lib/auth/testing";
import { sealSecret } from "@/lib/secrets/secret-box";

async function makeNode(password: string | null) {
  return prisma.proxyNode.create({
    data: { scheme: "http", host: `h-${randomUUID()}.test`, port: 3128, username: password ? "user" : "", passwordSealed: password ? sealSecret(password) : null },
  });
}

describe("revealNodePassword", () => {
  it("returns the clear text to an admin and audits the reveal on the node", async () => {
    const node = await makeNode("s3cret-pass");
    await asRole("admin", async (user) => {
      expect(await revealNodePassword(node.id)).toBe("s3cret-pass");
      const events = await prisma.auditEvent.findMany({ where: { nodeId: node.id, action: "node.password_revealed" } });
      expect(events).toHaveLength(1);
      expect(events[0].actor).toBe(user.email);
      expect(JSON.stringify({ ...events[0], id: String(events[0].id) })).not.toContain("s3cret-pass");
    });
  });

  it("returns null for a node without a password", async () => {
    const node = await makeNode(null);
    expect(await asRole("admin", () => revealNodePassword(node.id))).toBeNull();
  });

  it("refuses operators and viewers (403) and anonymous callers (401), revealing nothing", async () => {
    const node = await makeNode("hidden");
    for (const role of ["operator", "viewer"] as const) {
      const refused = await asRole(role, () => revealNodePassword(node.id).catch((e: unknown) => e));
      expect(refused).toBeInstanceOf(AuthorizationError);
      expect((refused as AuthorizationError).status).toBe(403);
    }
    const viaAction = await asRole("operator", () => revealNodePasswordAction({ id: node.id }));
    expect(viaAction).toEqual({ ok: false, fieldErrors: { form: expect.stringMatching(/admin/i) } });
    const anonymous = await anonymously(() => revealNodePassword(node.id).catch((e: unknown) => e));
    expect((anonymous as AuthorizationError).status).toBe(401);
    expect(await prisma.auditEvent.count({ where: { nodeId: node.id } })).toBe(0);
  });
});
