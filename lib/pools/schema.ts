import { z } from "zod";
import { NO_CONTROL_CHARACTERS } from "@/lib/security/text-input";

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

const poolFields = {
  name: z
    .string()
    .trim()
    .min(1, "Name is empty.")
    .max(60, "Name is longer than 60 characters.")
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "Use letters, digits, space, dot, dash and underscore; start with a letter or digit."),
  description: z.string().trim().max(120, "Description is longer than 120 characters.").regex(NO_CONTROL_CHARACTERS, "Description contains control characters."),
  strategy: z.enum(STRATEGIES),
  stickyTtlSeconds: z.int("Sticky TTL is a whole number of seconds.").min(1, "Sticky TTL is at least 1 s.").max(MAX_STICKY_TTL_SECONDS, "Sticky TTL is at most 7 days."),
};

/** A new pool, as forms and the REST API send it (one schema, one set of messages). */
export const poolSchema = z.object({
  name: poolFields.name,
  description: poolFields.description.default(""),
  strategy: poolFields.strategy.optional(),
  stickyTtlSeconds: poolFields.stickyTtlSeconds.optional(),
});
export type PoolInput = z.output<typeof poolSchema>;

/** A change to a pool: any subset of its fields. */
export const poolChangeSchema = z.object(poolFields).partial();
export type PoolChange = z.output<typeof poolChangeSchema>;

export const MAX_MEMBERSHIP_CHANGE = 10_000;

/** Members to add/remove and per-node weights (weighted strategy), applied in one transaction. */
export interface MembershipChange {
  add?: string[];
  remove?: string[];
  weights?: Record<string, number>;
}
