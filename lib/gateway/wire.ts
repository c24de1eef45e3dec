import { z } from "zod";
import { listParam } from "@/lib/http/request-parsing";
import { STRATEGIES } from "@/lib/pools/schema";

/** Checkout query: the fast path and the Next fallback validate with this; OpenAPI documents it. */
export const checkoutQuery = z
  .object({
    tag: z.string().trim().toLowerCase().max(40).optional(),
    exclude: listParam(z.uuid(), 1000).optional().describe("Node ids to skip (comma-separated or repeated)."),
    excludeExitIp: listParam(z.string().max(64), 1000).optional().describe("Skip nodes whose latest probed exit IP is one of these."),
    session: z.string().min(1).max(200).optional().describe("Sticky session key: the same node until it fails or the pool's sticky TTL ends."),
    count: z.coerce.number().int().min(1).max(100).default(1),
  })
  .strict();
export type CheckoutQuery = z.output<typeof checkoutQuery>;

export const checkoutParams = z.object({ pool: z.string().min(1).max(100).describe("Pool id or name.") }).strict();

export const proxySchema = z
  .object({
    nodeId: z.uuid(),
    proxyUrl: z.string().describe("Ready to use, credentials included: scheme://user:pass@host:port"),
    scheme: z.string(),
    host: z.string(),
    port: z.int(),
    tags: z.array(z.string()),
  })
;

export const checkoutResponse = z.object({
  poolId: z.uuid(),
  poolName: z.string(),
  strategy: z.enum(STRATEGIES),
  sticky: z.boolean(),
  proxies: z.array(proxySchema),
});

export const leaseBody = z
  .object({
    pool: z.string().min(1).max(100).describe("Pool id or name."),
    tag: z.string().trim().toLowerCase().max(40).optional(),
    exclude: z.array(z.uuid()).max(1000).optional(),
    ttlSeconds: z.int().min(5).max(3600).default(60),
  })
  .strict();

export const leaseResponse = z.object({
  leaseId: z.uuid(),
  poolId: z.uuid(),
  expiresAt: z.string(),
  proxy: proxySchema,
});
