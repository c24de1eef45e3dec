import { prisma } from "@/lib/db/prisma";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { AuthorizationError, requireActor, roleAtLeast, type Actor } from "@/lib/auth/actor";
import { parseInput, UserInputError, uuidSchema } from "@/lib/auth/validation";
import { openSecret } from "@/lib/secrets/secret-box";

/**
 * Admin only: the clear-text password of a proxy node (null when it has none) — the one time a
 * stored proxy password is sent to a browser. Every reveal leaves an audit event
 * "node.password_revealed" on the node's timeline. Pass `actor` only when the caller already
 * authenticated it; the admin role is checked either way.
 */
export async function revealNodePassword(nodeId: string, actor?: Actor): Promise<string | null> {
  const who = actor ?? (await requireActor("admin"));
  if (!roleAtLeast(who.role, "admin")) throw new AuthorizationError(403, "Revealing a password needs the admin role.");
  const id = parseInput(uuidSchema, nodeId);
  return prisma.$transaction(async (tx) => {
    const node = await tx.proxyNode.findUnique({ where: { id }, select: { id: true, passwordSealed: true, username: true } });
    if (!node) throw new UserInputError("No such node.");
    if (!node.passwordSealed) return null;
    const password = openSecret(node.passwordSealed);
    await recordAuditEvents(tx, who, [
      { action: "node.password_revealed", subjectType: "node", subjectId: node.id, nodeId: node.id, after: { username: node.username } },
    ]);
    return password;
  });
}
