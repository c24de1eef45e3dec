import "server-only";
import { prisma } from "@/lib/db/prisma";
import { DEFAULT_PROXY_GATEWAY_SETTINGS, DEFAULT_STICKY_TTL_SECONDS, strategyOf, type ProxyGatewaySettings, type Strategy } from "./schema";

export interface PoolSummary {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  strategy: Strategy;
  stickyTtlSeconds: number;
  /** How the forward-proxy gateway retries for this pool (defaults applied). */
  proxyGateway: ProxyGatewaySettings;
  nodes: { total: number; ENABLED: number; DRAINING: number; DISABLED: number };
}

/** Every pool by name, with node counts per state, checkout and gateway settings (defaults applied here). */
export async function listPools(): Promise<PoolSummary[]> {
  const [pools, settings, proxyGatewaySettings, counts] = await Promise.all([
    prisma.pool.findMany({ orderBy: { name: "asc" } }),
    prisma.poolGatewaySettings.findMany(),
    prisma.poolProxyGatewaySettings.findMany(),
    prisma.$queryRaw<Array<{ poolId: string; state: "ENABLED" | "DRAINING" | "DISABLED"; n: bigint }>>`
      SELECT m."poolId", n.state, count(*) AS n FROM "PoolMembership" m JOIN "ProxyNode" n ON n.id = m."nodeId" GROUP BY 1, 2`,
  ]);
  const settingsByPool = new Map(settings.map((row) => [row.poolId, row]));
  const proxyGatewayByPool = new Map(
    proxyGatewaySettings.map(({ poolId, maxAttempts, deadlineMs, connectTimeoutMs, firstByteTimeoutMs, retryTargetFailures, retryNonIdempotent }) => [
      poolId,
      { maxAttempts, deadlineMs, connectTimeoutMs, firstByteTimeoutMs, retryTargetFailures, retryNonIdempotent },
    ]),
  );
  return pools.map((pool) => {
    const nodes = { total: 0, ENABLED: 0, DRAINING: 0, DISABLED: 0 };
    for (const row of counts) {
      if (row.poolId !== pool.id) continue;
      nodes[row.state] = Number(row.n);
      nodes.total += Number(row.n);
    }
    const checkout = settingsByPool.get(pool.id);
    return {
      id: pool.id,
      name: pool.name,
      description: pool.description,
      createdAt: pool.createdAt.toISOString(),
      strategy: strategyOf(checkout?.strategy),
      stickyTtlSeconds: checkout?.stickyTtlSeconds ?? DEFAULT_STICKY_TTL_SECONDS,
      proxyGateway: proxyGatewayByPool.get(pool.id) ?? DEFAULT_PROXY_GATEWAY_SETTINGS,
      nodes,
    };
  });
}

export async function getPool(id: string): Promise<PoolSummary | null> {
  return (await listPools()).find((pool) => pool.id === id) ?? null;
}
