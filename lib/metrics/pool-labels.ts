import { prisma } from "@/lib/db/prisma";

/** Label for results of nodes in no pool, and for pools past the cardinality cap. */
export const NO_POOL_LABEL = "_none";
export const OTHER_POOLS_LABEL = "_other";

const REFRESH_MS = 30_000;

/** At most this many pools get their own `pool` label value (by name order); the rest share "_other". */
export function maxPoolLabels(): number {
  const configured = Number(process.env.SWITCHYARD_METRICS_MAX_POOLS ?? 50);
  return Number.isInteger(configured) && configured >= 0 ? configured : 50;
}

interface PoolLabelSnapshot {
  loadedAt: number;
  byNode: Map<string, readonly string[]>;
  /** pool id → label value. */
  byPool: Map<string, string>;
}

const globalForLabels = globalThis as unknown as { switchyardPoolLabels?: PoolLabelSnapshot; switchyardPoolLabelsLoading?: Promise<PoolLabelSnapshot> };

/** Pool name of each pool id, with the cap applied (ids of pools past the cap map to "_other"). */
export function cappedPoolNames(pools: readonly { id: string; name: string }[]): Map<string, string> {
  const cap = maxPoolLabels();
  const sorted = [...pools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return new Map(sorted.map((pool, index) => [pool.id, index < cap ? pool.name : OTHER_POOLS_LABEL]));
}

async function load(): Promise<PoolLabelSnapshot> {
  const [pools, memberships] = await Promise.all([
    prisma.pool.findMany({ select: { id: true, name: true } }),
    prisma.poolMembership.findMany({ select: { poolId: true, nodeId: true } }),
  ]);
  const names = cappedPoolNames(pools);
  const byNode = new Map<string, string[]>();
  for (const { poolId, nodeId } of memberships) {
    const name = names.get(poolId);
    if (!name) continue;
    const labels = byNode.get(nodeId) ?? [];
    if (!labels.includes(name)) labels.push(name);
    byNode.set(nodeId, labels);
  }
  return { loadedAt: Date.now(), byNode, byPool: names };
}

/**
 * nodeId → pool label values, refreshed at most every 30 s (one query over the memberships).
 * A node added since the last refresh counts under "_none" until the next one: metrics may lag
 * membership changes by 30 s, they never block a result write on a query.
 */
export async function poolLabelsOfNodes(): Promise<(nodeId: string) => readonly string[]> {
  const byNode = (await snapshot()).byNode;
  return (nodeId) => byNode.get(nodeId) ?? [NO_POOL_LABEL];
}

/** The label value of one pool id ("_other" past the cap, "_none" when unknown yet). */
export async function poolLabelOfPool(poolId: string): Promise<string> {
  return (await snapshot()).byPool.get(poolId) ?? NO_POOL_LABEL;
}

async function snapshot(): Promise<PoolLabelSnapshot> {
  let snapshot = globalForLabels.switchyardPoolLabels;
  if (!snapshot || Date.now() - snapshot.loadedAt > REFRESH_MS) {
    globalForLabels.switchyardPoolLabelsLoading ??= load().finally(() => (globalForLabels.switchyardPoolLabelsLoading = undefined));
    const loading = globalForLabels.switchyardPoolLabelsLoading;
    if (snapshot) void loading.then((next) => (globalForLabels.switchyardPoolLabels = next), () => undefined);
    else snapshot = globalForLabels.switchyardPoolLabels = await loading;
  }
  return snapshot;
}

/** Tests: forget the cached memberships. */
export function clearPoolLabelCache(): void {
  globalForLabels.switchyardPoolLabels = undefined;
}
