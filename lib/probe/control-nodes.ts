import { prisma } from "@/lib/db/prisma";
import type { ControlNodeSource } from "./attribution";
import type { ProbeNode } from "./probe-check";
import { toProbeNode, type ProxyNodeRow, type RevealPassword } from "./probe-node-row";

/** How recent a node's ok on the target must be for it to serve as control. */
export const CONTROL_RECENT_OK_MS = 10 * 60_000;

/**
 * Known-good nodes from the database: ENABLED, sharing a pool with the failing node, never the
 * node itself, and whose latest result on this target (within 10 minutes) was ok. The first few
 * such nodes are read lazily (no sort over the pool) and one is picked at random.
 */
export function databaseControlNodes(revealPassword?: RevealPassword): ControlNodeSource {
  return {
    async pick(nodeId: string, targetId: string | null): Promise<ProbeNode | null> {
      if (!targetId) return null;
      const since = new Date(Date.now() - CONTROL_RECENT_OK_MS);
      const rows = await prisma.$queryRaw<ProxyNodeRow[]>`
        SELECT n."id"::text AS id, n."scheme"::text AS scheme, n."host", n."port", n."username", n."passwordSealed"
        FROM "ProxyNode" n
        WHERE n."state" = 'ENABLED' AND n."id" <> ${nodeId}::uuid
          AND EXISTS (SELECT 1 FROM "PoolMembership" mine JOIN "PoolMembership" theirs ON theirs."poolId" = mine."poolId"
                      WHERE mine."nodeId" = ${nodeId}::uuid AND theirs."nodeId" = n."id")
          AND (SELECT r."faultClass" FROM "ProbeResult" r
               WHERE r."nodeId" = n."id" AND r."targetId" = ${targetId}::uuid AND r."startedAt" > ${since}
               ORDER BY r."startedAt" DESC LIMIT 1) = 'ok'
        LIMIT 5`;
      if (rows.length === 0) return null;
      const row = rows[Math.floor(Math.random() * rows.length)];
      try {
        return toProbeNode(row, revealPassword);
      } catch {
        return null; // sealed password and no way to reveal it: not usable as control
      }
    },
  };
}
