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

/**
 * How the forward-proxy gateway (lib/proxy-gateway) retries for a pool (table
 * PoolProxyGatewaySettings; no row = DEFAULT_PROXY_GATEWAY_SETTINGS). Numbers are coerced so
 * forms can send their text; the REST body schema only lets integers through.
 */
const msField = (what: string, min: number, max: number, maxLabel: string) =>
  z.coerce
    .number({ error: `${what} is a number of milliseconds.` })
    .int(`${what} is a whole number of milliseconds.`)
    .min(min, `${what}: at least ${min} ms.`)
    .max(max, `${what}: at most ${maxLabel}.`);
export const proxyGatewaySettingsSchema = z
  .object({
    maxAttempts: z.coerce.number({ error: "Attempts is a number." }).int("Attempts is a whole number.").min(1, "At least 1 attempt.").max(10, "At most 10 attempts."),
    deadlineMs: msField("Deadline", 100, 300_000, "300 s"),
    connectTimeoutMs: msField("Connect timeout", 100, 60_000, "60 s"),
    firstByteTimeoutMs: msField("First-byte timeout", 100, 120_000, "120 s"),
    retryTargetFailures: z.boolean(),
    retryNonIdempotent: z.boolean(),
  })
  .strict();
export type ProxyGatewaySettings = z.output<typeof proxyGatewaySettingsSchema>;

export const DEFAULT_PROXY_GATEWAY_SETTINGS: ProxyGatewaySettings = {
  maxAttempts: 3,
  deadlineMs: 30_000,
  connectTimeoutMs: 3_000,
  firstByteTimeoutMs: 10_000,
  retryTargetFailures: false,
  retryNonIdempotent: false,
};

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
  /** Any subset of the gateway settings; omitted ones keep their stored (or default) value. */
  proxyGateway: proxyGatewaySettingsSchema.partial().strict(),
};

/** A new pool, as forms and the REST API send it (one schema, one set of messages). */
export const poolSchema = z.object({
  name: poolFields.name,
  description: poolFields.description.default(""),
  strategy: poolFields.strategy.optional(),
  stickyTtlSeconds: poolFields.stickyTtlSeconds.optional(),
  proxyGateway: poolFields.proxyGateway.optional(),
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
