import { z } from "zod";
import { assertPoolAccess } from "@/lib/auth/api-key-actor";
import { listAlertIncidents, listAlertRules } from "@/lib/alerts/data";
import { createAlertRule, deleteAlertRule, sendTestNotification } from "@/lib/alerts/mutations";
import { ALERT_RULE_KINDS, alertRuleInput } from "@/lib/alerts/schema";
import { ApiError } from "@/lib/http/api-errors";
import { defineRoute } from "../api-route";
import { idParams } from "../schemas";

const ruleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  poolId: z.uuid(),
  poolName: z.string(),
  kind: z.enum(ALERT_RULE_KINDS),
  origin: z.string().nullable(),
  threshold: z.number(),
  windowMinutes: z.int(),
  minSamples: z.int(),
  holdDownMinutes: z.int(),
  channelId: z.uuid(),
  channelName: z.string(),
  enabled: z.boolean(),
  lastEvaluatedAt: z.string().nullable(),
  lastValue: z.number().nullable(),
  firing: z.boolean(),
});

const incidentSchema = z.object({
  id: z.string().describe("Numeric id as a string; pass the last one as `before` for the next page."),
  ruleId: z.uuid(),
  ruleName: z.string(),
  poolId: z.uuid(),
  state: z.enum(["firing", "resolved"]),
  openedAt: z.string(),
  resolvedAt: z.string().nullable(),
  value: z.number(),
  peakValue: z.number(),
  summary: z.string(),
  notifications: z.array(
    z.object({ event: z.string(), status: z.enum(["pending", "delivered", "failed"]), attempts: z.int(), lastError: z.string().nullable(), deliveredAt: z.string().nullable() }),
  ),
});

export const listAlertRulesRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/alerts/rules",
    operationId: "listAlertRules",
    summary: "Alert rules (a pool-restricted key sees its pool's only)",
    tag: "alerts",
    scope: "read",
    query: z.object({ poolId: z.uuid().optional() }).strict(),
    response: z.object({ rules: z.array(ruleSchema) }),
    errors: ["unprocessable_entity"],
  },
  async ({ actor, query }) => {
    if (query.poolId) assertPoolAccess(actor, query.poolId);
    const rules = await listAlertRules({ poolId: actor.poolId ?? query.poolId });
    return { rules: rules.map((rule) => ({ ...rule, kind: rule.kind as (typeof ALERT_RULE_KINDS)[number] })) };
  },
);

export const createAlertRuleRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/alerts/rules",
    operationId: "createAlertRule",
    summary: "Create an alert rule for a pool (rate_502, rate_504 optionally by origin, healthy_below, ejections_per_hour, spike)",
    tag: "alerts",
    scope: "write",
    body: alertRuleInput,
    response: z.object({ id: z.uuid(), name: z.string() }),
    status: 201,
    errors: ["unprocessable_entity", "bad_request", "payload_too_large"],
  },
  async ({ actor, body }) => {
    assertPoolAccess(actor, body.poolId);
    return createAlertRule(actor, body);
  },
);

export const deleteAlertRuleRoute = defineRoute(
  {
    method: "DELETE",
    path: "/api/v1/alerts/rules/{id}",
    operationId: "deleteAlertRule",
    summary: "Delete an alert rule and its incident history",
    tag: "alerts",
    scope: "write",
    params: idParams,
    status: 204,
    errors: ["not_found", "unprocessable_entity"],
  },
  async ({ actor, params }) => {
    const [rule] = (await listAlertRules()).filter((candidate) => candidate.id === params.id);
    if (!rule) throw new ApiError("not_found", "No such alert rule.");
    assertPoolAccess(actor, rule.poolId);
    await deleteAlertRule(actor, params.id);
    return undefined;
  },
);

export const listAlertIncidentsRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/alerts/incidents",
    operationId: "listAlertIncidents",
    summary: "Alert history: incidents newest first, with their notifications' delivery status",
    tag: "alerts",
    scope: "read",
    query: z
      .object({
        poolId: z.uuid().optional(),
        state: z.enum(["firing", "resolved"]).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        before: z.string().regex(/^\d{1,18}$/, "An incident id.").optional(),
      })
      .strict(),
    response: z.object({ incidents: z.array(incidentSchema) }),
    errors: ["unprocessable_entity"],
  },
  async ({ actor, query }) => {
    if (query.poolId) assertPoolAccess(actor, query.poolId);
    const incidents = await listAlertIncidents({
      poolId: actor.poolId ?? query.poolId,
      state: query.state,
      limit: query.limit,
      before: query.before ? BigInt(query.before) : undefined,
    });
    return { incidents: incidents.map((incident) => incidentSchema.parse(incident)) };
  },
);

export const testAlertChannelRoute = defineRoute(
  {
    method: "POST",
    path: "/api/v1/alerts/channels/{id}/test",
    operationId: "testAlertChannel",
    summary: "Send a test notification to a channel now (one attempt) and report the receiver's answer",
    tag: "alerts",
    scope: "write",
    params: idParams,
    response: z.object({ ok: z.boolean(), status: z.int().nullable(), error: z.string().nullable() }),
    errors: ["unprocessable_entity", "not_found"],
  },
  async ({ actor, params }) => {
    if (actor.poolId) assertPoolAccess(actor, null);
    return sendTestNotification(actor, params.id);
  },
);
