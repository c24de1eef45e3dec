import { z } from "zod";
import { NODE_STATES } from "@/lib/nodes/schema";
import { PROXY_SCHEMES } from "@/lib/nodes/proxy-address";
import { MAX_STICKY_TTL_SECONDS, STRATEGIES } from "@/lib/pools/schema";

// Wire shapes of the REST API: the handlers validate with these and the OpenAPI document is
// generated from them. Request objects are strict (unknown fields → 422).

export const idParams = z.object({ id: z.uuid() }).strict();

export const limitParam = z.coerce.number().int().min(1).max(500).default(100);
export const cursorParam = z.string().max(200).optional();

export const nodeSchema = z
  .object({
    id: z.uuid(),
    scheme: z.enum(PROXY_SCHEMES),
    host: z.string(),
    port: z.int(),
    usernameMasked: z.string().describe("The user name, masked (ope***). Passwords are never returned."),
    hasPassword: z.boolean(),
    label: z.string(),
    tags: z.array(z.string()),
    state: z.enum(NODE_STATES),
    stateReason: z.string().nullable(),
    stateChangedBy: z.string().nullable(),
    stateChangedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    pools: z.array(z.object({ id: z.uuid(), name: z.string() })),
  })
;

export const nodePageSchema = z.object({
  data: z.array(nodeSchema),
  nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next page; null on the last page."),
});

const portInput = z.union([z.int().min(1).max(65535), z.string().regex(/^\d{1,5}$/)]);

export const createNodeBody = z
  .object({
    scheme: z.enum(PROXY_SCHEMES),
    host: z.string().min(1).max(255),
    port: portInput,
    username: z.string().max(255).optional(),
    password: z.string().max(255).optional(),
    label: z.string().max(120).optional(),
    tags: z.array(z.string()).max(20).optional(),
    poolIds: z.array(z.uuid()).max(100).optional(),
  })
  .strict();

export const updateNodeBody = z
  .object({
    scheme: z.enum(PROXY_SCHEMES).optional(),
    host: z.string().min(1).max(255).optional(),
    port: portInput.optional(),
    username: z.string().max(255).optional(),
    password: z.string().max(255).optional().describe("Omit (or \"\") to keep the stored password while the user name stays the same."),
    clearPassword: z.boolean().optional(),
    label: z.string().max(120).optional(),
    tags: z.array(z.string()).max(20).optional(),
    poolIds: z.array(z.uuid()).max(100).optional().describe("Replaces the node's pools. Not allowed for pool-restricted keys."),
  })
  .strict();

export const importNodesBody = z
  .object({
    text: z.string().min(1).describe("One proxy per line: host:port, host:port:user:pass, user:pass@host:port or scheme://user:pass@host:port. The colon form has exactly four fields; a password containing ':' needs a URL form."),
    defaultScheme: z.enum(PROXY_SCHEMES).optional(),
    tags: z.array(z.string()).max(20).optional(),
    poolId: z.uuid().optional(),
  })
  .strict();

export const importReportSchema = z.object({
  added: z.int(),
  duplicate: z.int(),
  invalid: z.int(),
  lines: z.array(
    z.object({
      line: z.int(),
      status: z.enum(["added", "duplicate", "invalid"]),
      address: z.string().optional(),
      field: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
});

export const changeStateBody = z
  .object({ state: z.enum(NODE_STATES), reason: z.string().max(500).optional().describe("Required when disabling.") })
  .strict();

const proxyGatewaySettingsShape = z.object({
  maxAttempts: z.int().describe("Attempts per client request, each on another node (1–10; 1 = no retries)."),
  deadlineMs: z.int().describe("All attempts together must produce a first byte within this (100–300000)."),
  connectTimeoutMs: z.int().describe("Connect (and TLS to an HTTPS node) per attempt (100–60000)."),
  firstByteTimeoutMs: z.int().describe("Silence before the first byte per attempt (100–120000)."),
  retryTargetFailures: z.boolean().describe("Retry the target's own 5xx and blocks on another node too."),
  retryNonIdempotent: z.boolean().describe("Retry POST/PATCH/… after the request may have reached the target."),
});

export const poolSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    createdAt: z.string(),
    strategy: z.enum(STRATEGIES),
    stickyTtlSeconds: z.int(),
    proxyGateway: proxyGatewaySettingsShape.describe("How the forward-proxy gateway retries for this pool (README: Use the gateway)."),
    nodes: z.object({ total: z.int(), ENABLED: z.int(), DRAINING: z.int(), DISABLED: z.int() }),
  })
;

export const poolPageSchema = z.object({ data: z.array(poolSchema), nextCursor: z.string().nullable() });

const stickyTtl = z.int().min(1).max(MAX_STICKY_TTL_SECONDS);
export const createPoolBody = z
  .object({
    name: z.string().max(60),
    description: z.string().max(120).optional(),
    strategy: z.enum(STRATEGIES).optional(),
    stickyTtlSeconds: stickyTtl.optional(),
    proxyGateway: proxyGatewaySettingsShape.partial().strict().optional().describe("Any subset; omitted settings keep their value."),
  })
  .strict();
export const updatePoolBody = createPoolBody.partial().strict();

export const membershipBody = z
  .object({
    add: z.array(z.uuid()).max(10_000).optional(),
    remove: z.array(z.uuid()).max(10_000).optional(),
    weights: z.record(z.uuid(), z.int().min(1).max(1000)).optional().describe("Per-node weight for the weighted strategy (default 1)."),
  })
  .strict();

export const deletedSchema = z.object({ deleted: z.int() });
