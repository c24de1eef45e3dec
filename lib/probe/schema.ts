import { z } from "zod";
import { TargetUrlError, targetUrlRulesFromEnv, validateTargetUrl } from "@/lib/security/target-url";

// Shared by the browser forms and the server actions of probing.


/** Blank = use the pool's value. */
function optionalMs(name: string, max: number) {
  return z
    .union([z.literal(""), z.coerce.number().int(`${name} is a whole number of milliseconds.`).min(100, `${name}: at least 100 ms.`).max(max, `${name}: at most ${max / 1000} s.`)])
    .optional()
    .transform((value) => (value === "" || value === undefined ? null : value));
}

export const probeTargetSchema = z.object({
  url: z.string().transform((value, ctx) => {
    try {
      return validateTargetUrl(value, targetUrlRulesFromEnv()).toString();
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof TargetUrlError ? error.message : "That is not a valid URL." });
      return z.NEVER;
    }
  }),
  name: z.string().trim().max(120, "Name is longer than 120 characters.").regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, "Name contains control characters.").default(""),
  expectedStatus: z
    .union([z.literal(""), z.coerce.number().int("Expected status is a whole number.").min(100, "Expected status is 100–599.").max(599, "Expected status is 100–599.")])
    .optional()
    .transform((value) => (value === "" || value === undefined ? null : value)),
  firstByteTimeoutMs: optionalMs("First-byte timeout", 120_000),
  totalTimeoutMs: optionalMs("Total timeout", 300_000),
});

export const poolProbeSettingsSchema = z
  .object({
    poolId: z.uuid(),
    enabled: z.boolean(),
    intervalSeconds: z.coerce.number().int().min(10, "Probe at most every 10 seconds.").max(86_400, "Probe at least once a day."),
    connectTimeoutMs: z.coerce.number().int().min(100, "At least 100 ms.").max(60_000, "At most 60 s."),
    firstByteTimeoutMs: z.coerce.number().int().min(100, "At least 100 ms.").max(120_000, "At most 120 s."),
    totalTimeoutMs: z.coerce.number().int().min(100, "At least 100 ms.").max(300_000, "At most 300 s."),
    targetIds: z.array(z.uuid()).max(50, "At most 50 targets per pool."),
  })
  .refine((value) => value.totalTimeoutMs >= value.firstByteTimeoutMs, { path: ["totalTimeoutMs"], message: "The total timeout must be at least the first-byte timeout." })
  .refine((value) => !value.enabled || value.targetIds.length > 0, { path: ["targetIds"], message: "Choose at least one target to probe." });

export const startProbeRunSchema = z.object({
  targetIds: z.array(z.uuid()).min(1, "Choose at least one target.").max(50),
});
