import { z } from "zod";
import { NO_CONTROL_CHARACTERS } from "@/lib/security/text-input";
import { LIMITS, PROXY_SCHEMES, buildProxyAddress, type ProxyAddress } from "./proxy-address";

// Shared by the browser forms and the server actions: one set of rules, one set of messages.

export const NODE_STATES = ["ENABLED", "DRAINING", "DISABLED"] as const;
export type NodeStateName = (typeof NODE_STATES)[number];

export const MAX_IMPORT_BYTES = 4 * 1024 * 1024;
export const MAX_IMPORT_LINES = 50_000;
const MAX_TAGS = 20;
const TAG = /^[a-z0-9][a-z0-9._:-]{0,39}$/;

export const tagListSchema = z
  .array(z.string().trim().toLowerCase().regex(TAG, "Tags are 1–40 characters: a–z, 0–9, and . _ : - (not first)."))
  .max(MAX_TAGS, `At most ${MAX_TAGS} tags.`)
  .transform((tags) => [...new Set(tags)]);

/** "a, b c" → ["a","b","c"]: forms send tags as one text field. */
export function splitTags(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

const labelSchema = z
  .string()
  .trim()
  .max(120, "Label is longer than 120 characters.")
  .regex(NO_CONTROL_CHARACTERS, "Label contains control characters.");

const nodeFieldsSchema = z.object({
  scheme: z.enum(PROXY_SCHEMES, { error: "Choose http, https or socks5." }),
  host: z.string().max(LIMITS.host + 2, `Host is longer than ${LIMITS.host} characters.`),
  port: z.union([z.string(), z.number()]),
  username: z.string().max(LIMITS.username, `User name is longer than ${LIMITS.username} characters.`).default(""),
  password: z.string().max(LIMITS.password, `Password is longer than ${LIMITS.password} characters.`).default(""),
  label: labelSchema.default(""),
  tags: tagListSchema.default([]),
  poolIds: z.array(z.uuid()).max(100).default([]),
});

/** Validates the address fields with the same rules as the importer and reports the failing field. */
function withValidAddress<T extends z.infer<typeof nodeFieldsSchema>>(value: T, ctx: z.RefinementCtx) {
  const result = buildProxyAddress(value);
  if (!result.ok) {
    ctx.addIssue({ code: "custom", path: [result.problem.field === "line" ? "host" : result.problem.field], message: result.problem.message });
    return z.NEVER;
  }
  return { ...value, address: result.address };
}

export const createNodeSchema = nodeFieldsSchema.transform((value, ctx) => withValidAddress(value, ctx));
export type CreateNodeInput = z.input<typeof createNodeSchema>;

export const updateNodeSchema = nodeFieldsSchema
  .extend({
    id: z.uuid(),
    /** Empty password on edit keeps the stored one; clearPassword removes it. */
    clearPassword: z.boolean().default(false),
  })
  .transform((value, ctx) => withValidAddress(value, ctx));
export type UpdateNodeInput = z.input<typeof updateNodeSchema>;

export const importNodesSchema = z.object({
  text: z
    .string()
    .max(MAX_IMPORT_BYTES, `The list is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it into several imports.`)
    .refine((text) => text.trim() !== "", "Paste or upload at least one line."),
  defaultScheme: z.enum(PROXY_SCHEMES).default("http"),
  tags: tagListSchema.default([]),
  poolId: z.uuid().optional(),
});
export type ImportNodesInput = z.input<typeof importNodesSchema>;

export const changeStateSchema = z
  .object({
    nodeIds: z.array(z.uuid()).min(1, "Select at least one node.").max(10_000),
    state: z.enum(NODE_STATES),
    reason: z.string().trim().max(500, "Reason is longer than 500 characters.").regex(NO_CONTROL_CHARACTERS, "Reason contains control characters.").default(""),
  })
  .refine((value) => value.state !== "DISABLED" || value.reason !== "", { path: ["reason"], message: "Say why the node is disabled." });
export type ChangeStateInput = z.input<typeof changeStateSchema>;

export const deleteNodesSchema = z.object({ nodeIds: z.array(z.uuid()).min(1, "Select at least one node.").max(10_000) });

export const NODE_SORT_KEYS = ["createdAt", "host", "port", "scheme", "label", "state", "updatedAt"] as const;
export const nodeListQuerySchema = z.object({
  search: z.string().trim().max(200).default(""),
  poolId: z.uuid().optional().catch(undefined),
  state: z.enum(NODE_STATES).optional().catch(undefined),
  tag: z.string().trim().toLowerCase().max(40).optional().catch(undefined),
  scheme: z.enum(PROXY_SCHEMES).optional().catch(undefined),
  sort: z.enum(NODE_SORT_KEYS).default("createdAt").catch("createdAt"),
  direction: z.enum(["asc", "desc"]).default("desc").catch("desc"),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
  pageSize: z.coerce.number().int().refine((n) => [25, 50, 100, 250].includes(n)).default(50).catch(50),
});
export type NodeListQuery = z.infer<typeof nodeListQuerySchema>;

export type ValidatedAddress = ProxyAddress;
