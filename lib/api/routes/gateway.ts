import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import { FAULT_CLASS_NAMES, type FaultClass } from "@/lib/probe/fault-taxonomy";
import { faultClassOf, recordCallerResults } from "@/lib/probe/caller-results";
import { getGateway } from "@/lib/gateway/gateway";
import { reportLeaseResult } from "@/lib/gateway/leases";
import { checkoutParams, checkoutQuery, checkoutResponse, leaseBody, leaseResponse } from "@/lib/gateway/wire";
import { TARGET_URL_MAX_LENGTH, TargetUrlError, targetUrlRulesFromEnv, validateTargetUrl } from "@/lib/security/target-url";
import { defineRoute } from "../api-route";
import { ApiError } from "@/lib/http/api-errors";

export const checkoutRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/pools/{pool}/proxy",
    operationId: "checkoutProxy",
    summary: "Check out healthy node(s) of a pool as ready-to-use proxy URLs (credentials included)",
    description:
      "Chosen by the pool's strategy, or by rendezvous hashing of `session` (sticky). Served from the gateway's in-memory index by the node:http fast path; 503 no_healthy_node when nothing healthy matches.",
    tag: "gateway",
    scope: "read",
    params: checkoutParams,
    query: checkoutQuery,
    response: checkoutResponse,
    errors: ["not_found", "unprocessable_entity", "no_healthy_node"],
    fastPath: true,
  },
  async ({ actor, params, query }) => (await getGateway()).checkout(actor, params.pool, query),
);

export const leaseRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/leases",
    operationId: "createLease",
    summary: "Lease one node exclusively until you report a result or the lease expires",
    tag: "gateway",
    scope: "read",
    body: leaseBody,
    response: leaseResponse,
    status: 201,
    errors: ["bad_request", "not_found", "payload_too_large", "unprocessable_entity", "no_healthy_node"],
    maxBodyBytes: 64 * 1024,
    fastPath: true,
  },
  async ({ actor, body }) => (await getGateway()).lease(actor, body),
);

const ERROR_KINDS = FAULT_CLASS_NAMES.filter((name) => name !== "ok") as [FaultClass, ...FaultClass[]];

const outcomeFields = {
  status: z.int().min(100).max(599).optional().describe("The HTTP status the target answered through the proxy."),
  errorKind: z.enum(ERROR_KINDS).optional().describe("When the request failed without a target status: a fault class (lib/probe/fault-taxonomy)."),
  latencyMs: z.number().min(0).max(600_000),
};
const exactlyOne = (value: { status?: number; errorKind?: string }) => (value.status === undefined) !== (value.errorKind === undefined);
const exactlyOneMessage = { message: "Send exactly one of status and errorKind.", path: ["status"] };

/**
 * A caller-reported target passes the same URL policy as one an operator types in the UI
 * (lib/security/target-url.ts: http(s) only, no credentials, the allow-list, no refused address
 * classes), because it becomes a stored target that shows up, and can be chosen, in the UI.
 */
const targetUrl = z
  .string()
  .max(TARGET_URL_MAX_LENGTH)
  .superRefine((value, ctx) => {
    try {
      validateTargetUrl(value, targetUrlRulesFromEnv());
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof TargetUrlError ? error.message : "That is not a valid URL." });
    }
  })
  .describe("http(s) URL without credentials; the same policy as probe targets (allow-list, no internal address ranges).");

/** The stored form of a target URL that passed the schema above (same normalisation as the UI's). */
const normalisedTarget = (url: string) => validateTargetUrl(url, targetUrlRulesFromEnv()).toString();

const leaseResultBody = z.object({ ...outcomeFields, target: targetUrl.optional().describe("The URL requested; when given the result also feeds the stats.") }).strict().refine(exactlyOne, exactlyOneMessage);

export const leaseResultRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/leases/{id}/result",
    operationId: "reportLeaseResult",
    summary: "Report how the leased node did and release it. Idempotent: the same report again changes nothing; a different one → 409",
    tag: "gateway",
    scope: "read",
    params: z.object({ id: z.uuid() }).strict(),
    body: leaseResultBody,
    response: z.object({ leaseId: z.uuid(), faultClass: z.string(), duplicate: z.boolean(), reportedAt: z.string() }),
    errors: ["bad_request", "not_found", "conflict", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, params, body }) => reportLeaseResult(actor.id, params.id, { ...body, target: body.target === undefined ? undefined : normalisedTarget(body.target) }),
);

const resultItem = z
  .object({ nodeId: z.uuid(), target: targetUrl, ...outcomeFields, exitIp: z.union([z.ipv4(), z.ipv6()]).optional().describe("The exit IP the target saw (an IPv4 or IPv6 address).") })
  .strict()
  .refine(exactlyOne, exactlyOneMessage);

export const reportResultsRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/results",
    operationId: "reportResults",
    summary: "Report results of requests made through nodes (up to 1,000); stored as caller results, they feed the same breakdowns as probes",
    description:
      "Needs the write scope: reports become stored results and targets. Caller reports weigh less than Switchyard's own probes: they feed the statistics, can confirm a failing probe in the checkout health rule, but never take a node out of checkout or eject it on their own.",
    tag: "gateway",
    scope: "write",
    body: z.object({ results: z.array(resultItem).min(1).max(1000) }).strict(),
    response: z.object({ stored: z.int(), byFaultClass: z.record(z.string(), z.int()) }),
    errors: ["bad_request", "payload_too_large", "unprocessable_entity"],
  },
  async ({ actor, body }) => {
    const nodeIds = [...new Set(body.results.map((r) => r.nodeId))];
    const known = await prisma.proxyNode.findMany({ where: { id: { in: nodeIds } }, select: { id: true, pools: { select: { poolId: true } } } });
    if (known.length !== nodeIds.length) throw new ApiError("unprocessable_entity", "Some nodes do not exist.", { fields: { "results.nodeId": "Unknown node id." } });
    if (actor.poolId && known.some((node) => !node.pools.some((m) => m.poolId === actor.poolId))) throw new ApiError("forbidden", "Some nodes are outside this key's pool.");
    const byFaultClass: Record<string, number> = {};
    for (const r of body.results) byFaultClass[faultClassOf(r)] = (byFaultClass[faultClassOf(r)] ?? 0) + 1;
    return { stored: await recordCallerResults(body.results.map((r) => ({ ...r, target: normalisedTarget(r.target) }))), byFaultClass };
  },
);
