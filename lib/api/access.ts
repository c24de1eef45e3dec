import { prisma } from "@/lib/db/prisma";
import type { ApiKeyActor } from "@/lib/auth/api-key-actor";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import { ApiError } from "@/lib/http/api-errors";

/** 404 when the node does not exist; 403 when a pool-restricted key reaches for a node outside its pool. */
export async function assertNodeAccess(actor: ApiKeyActor, nodeId: string): Promise<void> {
  const node = await prisma.proxyNode.findUnique({ where: { id: nodeId }, select: { id: true, pools: { select: { poolId: true } } } });
  if (!node) throw new ApiError("not_found", "No such node.");
  if (actor.poolId && !node.pools.some((membership) => membership.poolId === actor.poolId)) assertPoolAccess(actor, null);
}

/** 404 when the pool does not exist; 403 for a pool-restricted key and another pool. */
export async function assertPoolExistsAndAccess(actor: ApiKeyActor, poolId: string): Promise<void> {
  assertPoolAccess(actor, poolId);
  if (!(await prisma.pool.findUnique({ where: { id: poolId }, select: { id: true } }))) throw new ApiError("not_found", "No such pool.");
}

/** Opaque cursor: base64url JSON. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<T>(cursor: string | undefined, check: (value: unknown) => value is T): T | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (check(value)) return value;
  } catch {
    // fall through
  }
  throw new ApiError("unprocessable_entity", "The cursor is not valid.", { fields: { "query.cursor": "Not a cursor from this API." } });
}
