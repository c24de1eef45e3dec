import type { PrismaClient } from "@/generated/prisma/client";

/**
 * Tests that run on a database of their own: one node in one pool and one target, written with
 * raw SQL so it works at any migration (before or after partitioning, say).
 */
export async function seedOneNodePool(db: PrismaClient, ids: { nodeId: string; targetId: string; poolId: string }): Promise<void> {
  const { nodeId, targetId, poolId } = ids;
  await db.$executeRaw`INSERT INTO "ProxyNode" ("id", "scheme", "host", "port", "updatedAt") VALUES (${nodeId}::uuid, 'http', '127.0.0.1', 3128, now())`;
  await db.$executeRaw`INSERT INTO "ProbeTarget" ("id", "url", "name") VALUES (${targetId}::uuid, 'http://127.0.0.1:9/', 't')`;
  await db.$executeRaw`INSERT INTO "Pool" ("id", "name", "updatedAt") VALUES (${poolId}::uuid, 'p', now())`;
  await db.$executeRaw`INSERT INTO "PoolMembership" ("poolId", "nodeId") VALUES (${poolId}::uuid, ${nodeId}::uuid)`;
}
