import { z } from "zod";
import { labelSchema, uuidSchema } from "@/lib/auth/validation";

export const ALERT_RULE_KINDS = ["rate_502", "rate_504", "healthy_below", "ejections_per_hour", "spike"] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

/** What each kind measures and how its threshold reads (the UI and API docs use these words). */
export const ALERT_RULE_KIND_INFO: Record<AlertRuleKind, { label: string; threshold: string }> = {
  rate_502: { label: "502-class rate above", threshold: "fraction of results, 0–1 (0.05 = 5 %)" },
  rate_504: { label: "504-class rate above", threshold: "fraction of results, 0–1" },
  healthy_below: { label: "healthy nodes below", threshold: "node count" },
  ejections_per_hour: { label: "automatic ejections in the last hour above", threshold: "ejection count" },
  spike: { label: "502+504 rate spike versus the previous hour", threshold: "ratio (3 = three times the previous hour's rate)" },
};

export const ALERT_ORIGINS = ["proxy", "network", "target"] as const;
export const ALERT_CHANNEL_KINDS = ["webhook", "slack"] as const;

const webhookUrl = z
  .string({ error: "Enter the webhook URL." })
  .trim()
  .max(2048, "The URL is too long (2,048 characters at most).")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
    } catch {
      return false;
    }
  }, "Enter an http:// or https:// URL without credentials.");

export const alertChannelInput = z
  .object({
    name: labelSchema,
    kind: z.enum(ALERT_CHANNEL_KINDS, { error: "Choose webhook or slack." }),
    url: webhookUrl,
    /** HMAC signing secret (webhook); empty = unsigned. */
    secret: z.string().max(200, "The secret is too long (200 characters at most).").optional().default(""),
  })
  .strict();
export type AlertChannelInput = z.output<typeof alertChannelInput>;

export const alertRuleInput = z
  .object({
    name: labelSchema,
    poolId: uuidSchema,
    kind: z.enum(ALERT_RULE_KINDS, { error: "Choose a rule kind." }),
    origin: z.enum(ALERT_ORIGINS, { error: "Choose proxy, network or target." }).nullable().optional().default(null),
    threshold: z.coerce.number({ error: "Enter a number." }).finite("Enter a number.").min(0, "The threshold cannot be negative."),
    windowMinutes: z.coerce.number().int("Whole minutes.").min(1, "At least 1 minute.").max(1440, "At most 1,440 minutes.").default(5),
    minSamples: z.coerce.number().int("A whole number.").min(1, "At least 1.").max(1_000_000, "At most 1,000,000.").default(20),
    holdDownMinutes: z.coerce.number().int("Whole minutes.").min(0, "Cannot be negative.").max(1440, "At most 1,440 minutes.").default(10),
    channelId: uuidSchema,
    enabled: z.boolean().optional().default(true),
  })
  .strict()
  .superRefine((rule, context) => {
    if ((rule.kind === "rate_502" || rule.kind === "rate_504") && rule.threshold > 1) {
      context.addIssue({ code: "custom", path: ["threshold"], message: "A rate is a fraction between 0 and 1 (0.05 = 5 %)." });
    }
    if (rule.origin && rule.kind !== "rate_502" && rule.kind !== "rate_504") {
      context.addIssue({ code: "custom", path: ["origin"], message: "Only 502/504 rate rules can be limited to an origin." });
    }
  });
export type AlertRuleInput = z.output<typeof alertRuleInput>;
