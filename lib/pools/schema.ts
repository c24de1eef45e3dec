// What a pool is configured with: the checkout strategies and their defaults (written once here;
// the REST API, the gateway index and the UI read them from this file).

export const STRATEGIES = ["round_robin", "random", "least_recently_used", "weighted", "lowest_latency"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const DEFAULT_STRATEGY: Strategy = "round_robin";
export const DEFAULT_STICKY_TTL_SECONDS = 600;
export const MAX_STICKY_TTL_SECONDS = 7 * 86_400;

/** A stored strategy name → a known strategy (an unknown or missing one falls back to the default). */
export function strategyOf(stored: string | null | undefined): Strategy {
  return (STRATEGIES as readonly string[]).includes(stored ?? "") ? (stored as Strategy) : DEFAULT_STRATEGY;
}
