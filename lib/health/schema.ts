import { z } from "zod";

/** A pool's automatic-health policy (PoolHealthPolicy), shared by the form and the server action. */
export const healthPolicySchema = z.object({
  enabled: z.boolean().default(true),
  windowMinutes: z.coerce.number().int().min(1).max(1440).default(5),
  minSamples: z.coerce.number().int().min(1).max(100_000).default(10),
  max502504Rate: z.coerce.number().min(0.01).max(1).default(0.5),
  maxConsecutiveFailures: z.coerce.number().int().min(1).max(1000).default(5),
  readmitAfterSuccesses: z.coerce.number().int().min(1).max(100).default(3),
  backoffBaseSeconds: z.coerce.number().int().min(1).max(86_400).default(30),
  backoffMaxSeconds: z.coerce.number().int().min(1).max(7 * 86_400).default(1800),
});
export type HealthPolicyInput = z.input<typeof healthPolicySchema>;

/**
 * The policy of a pool that has none saved: automatic health ON — eject after 5 node-caused
 * failures in a row, or a node-caused 502/504 rate ≥ 50 % over 5 minutes with ≥ 10 results;
 * re-admit after 3 successful re-tests (backoff 30 s doubling to 30 min), then probation. Every
 * new pool starts with it; pools that existed before this default got an explicit row with their
 * old setting (off) from migration 20261130020000_default_health_policy.
 */
export const DEFAULT_HEALTH_POLICY: z.output<typeof healthPolicySchema> = healthPolicySchema.parse({});
