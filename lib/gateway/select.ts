import { ApiError } from "@/lib/http/api-errors";
import type { GatewayNode, GatewayPool } from "./gateway-index";
import { hash32, mix32, rendezvousScore } from "./hashing";

export interface SelectOptions {
  count: number;
  tag?: string;
  exclude?: ReadonlySet<string>;
  excludeExitIp?: ReadonlySet<string>;
  /** Sticky session key: rendezvous hashing instead of the pool's strategy. */
  session?: string;
  /** Index version (sticky memo invalidation) and a sequence source for LRU. */
  version: number;
  nextSequence: () => number;
  now?: number;
}

const LOWEST_LATENCY_SPREAD = 3;
const STICKY_MEMO_MAX = 100_000;
const stickyMemo = new Map<string, GatewayNode[]>();
let stickyMemoVersion = -1;

/**
 * Picks `count` distinct healthy nodes of the pool (fewer when the filters leave fewer; 503
 * no_healthy_node when none is left).
 *
 * Sticky sessions: every candidate gets score = mix32(hash32(nodeId) ^ hash32(session, epoch)),
 * the highest scores win (rendezvous hashing). Every instance with the same healthy set picks the
 * same node; removing a node only moves the sessions that were on it. epoch =
 * floor((now/1000 + hash(session) mod ttl) / ttl), so a session moves on when its TTL ends (each
 * session at its own moment, not all at once).
 */
export function selectNodes(pool: GatewayPool, options: SelectOptions): GatewayNode[] {
  const filtered = Boolean(options.tag || options.exclude?.size || options.excludeExitIp?.size);
  const candidates = filtered ? pool.nodes.filter((node) => matches(node, options)) : pool.nodes;
  if (candidates.length === 0) {
    throw new ApiError("no_healthy_node", `Pool "${pool.name}" has no healthy node${filtered ? " matching the filters" : ""}.`, {
      poolId: pool.id,
      healthyNodes: pool.nodes.length,
    });
  }
  const count = Math.min(options.count, candidates.length);
  if (options.session !== undefined) return sticky(pool, candidates, count, options);
  switch (pool.strategy) {
    case "random":
      return distinctBy(candidates, count, () => Math.floor(Math.random() * candidates.length));
    case "weighted":
      return weighted(pool, candidates, count, filtered);
    case "least_recently_used":
      return leastRecentlyUsed(candidates, count, options.nextSequence);
    case "lowest_latency": {
      const ranked = filtered ? pool.byLatency.filter((node) => matches(node, options)) : pool.byLatency;
      const spread = ranked.slice(0, Math.max(count, Math.min(LOWEST_LATENCY_SPREAD, ranked.length)));
      return distinctBy(spread, count, () => Math.floor(Math.random() * spread.length));
    }
    case "round_robin":
    default: {
      const start = pool.cursor;
      pool.cursor = (pool.cursor + count) % 0x7fffffff;
      const out: GatewayNode[] = [];
      for (let i = 0; i < count; i++) out.push(candidates[(start + i) % candidates.length]);
      return out;
    }
  }
}

function matches(node: GatewayNode, options: SelectOptions): boolean {
  if (options.tag && !node.tags.includes(options.tag)) return false;
  if (options.exclude?.has(node.id)) return false;
  if (options.excludeExitIp?.size && node.exitIp && options.excludeExitIp.has(node.exitIp)) return false;
  return true;
}

function distinctBy(candidates: GatewayNode[], count: number, pick: () => number): GatewayNode[] {
  if (count === 1) return [candidates[pick()]];
  const chosen = new Set<number>();
  for (let tries = 0; chosen.size < count && tries < count * 20; tries++) chosen.add(pick());
  for (let i = 0; chosen.size < count; i++) chosen.add(i);
  return [...chosen].map((i) => candidates[i]);
}

function weighted(pool: GatewayPool, candidates: GatewayNode[], count: number, filtered: boolean): GatewayNode[] {
  let cumulative = pool.cumulativeWeights;
  if (filtered) {
    cumulative = new Float64Array(candidates.length);
    let sum = 0;
    candidates.forEach((node, i) => (cumulative[i] = sum += node.weight));
  }
  const total = cumulative[cumulative.length - 1];
  return distinctBy(candidates, count, () => {
    const target = Math.random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  });
}

function leastRecentlyUsed(candidates: GatewayNode[], count: number, nextSequence: () => number): GatewayNode[] {
  const out: GatewayNode[] = [];
  for (let k = 0; k < count; k++) {
    let best: GatewayNode | undefined;
    for (const node of candidates) if ((!best || node.lastUsed < best.lastUsed) && !out.includes(node)) best = node;
    best!.lastUsed = nextSequence();
    out.push(best!);
  }
  return out;
}

export function stickyEpoch(session: string, ttlSeconds: number, now: number): number {
  const offset = hash32(`ttl:${session}`) % ttlSeconds;
  return Math.floor((now / 1000 + offset) / ttlSeconds);
}

function sticky(pool: GatewayPool, candidates: GatewayNode[], count: number, options: SelectOptions): GatewayNode[] {
  const epoch = stickyEpoch(options.session!, pool.stickyTtlSeconds, options.now ?? Date.now());
  const filterKey = candidates === pool.nodes ? "" : `${options.tag ?? ""}|${[...(options.exclude ?? [])].join(",")}|${[...(options.excludeExitIp ?? [])].join(",")}`;
  const memoKey = `${pool.id}\u0000${options.session}\u0000${epoch}\u0000${count}\u0000${filterKey}`;
  if (stickyMemoVersion !== options.version || stickyMemo.size > STICKY_MEMO_MAX) {
    stickyMemo.clear();
    stickyMemoVersion = options.version;
  }
  const memo = stickyMemo.get(memoKey);
  if (memo) return memo;
  const keyHash = mix32(hash32(options.session!) ^ Math.imul(epoch, 0x9e3779b1));
  let chosen: GatewayNode[];
  if (count === 1) {
    let best = candidates[0];
    let bestScore = -1;
    for (const node of candidates) {
      const score = rendezvousScore(node.hash, keyHash);
      if (score > bestScore || (score === bestScore && node.id < best.id)) {
        best = node;
        bestScore = score;
      }
    }
    chosen = [best];
  } else {
    chosen = candidates
      .map((node) => ({ node, score: rendezvousScore(node.hash, keyHash) }))
      .sort((a, b) => b.score - a.score || (a.node.id < b.node.id ? -1 : 1))
      .slice(0, count)
      .map((entry) => entry.node);
  }
  stickyMemo.set(memoKey, chosen);
  return chosen;
}
