import { z } from "zod";
import { API_ERRORS, errorSchema, type ApiErrorCode } from "@/lib/http/api-errors";
import { registeredRoutes, type RouteSpec } from "./registry";
import "./routes";

const COMMON_ERRORS: ApiErrorCode[] = ["unauthorized", "forbidden", "rate_limit_exceeded", "internal_server_error", "service_unavailable"];

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12", reused: "inline" }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parameters(spec: RouteSpec) {
  const list: Array<Record<string, unknown>> = [];
  for (const [where, schema] of [["path", spec.params], ["query", spec.query]] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, "input") as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property;
      list.push({ name, in: where, required: where === "path" || (object.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return list;
}

/** The OpenAPI 3.1 document, built from the same registry and zod schemas the handlers use. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec } of registeredRoutes()) {
    const responses: Record<string, unknown> = {};
    const status = String(spec.status ?? 200);
    responses[status] = spec.response && spec.status !== 204
      ? { description: "Success", content: { "application/json": { schema: jsonSchema(spec.response, "output") } } }
      : { description: "Success" };
    const codes = spec.scope === "public" ? ["internal_server_error" as const, "service_unavailable" as const] : [...new Set([...COMMON_ERRORS, ...(spec.errors ?? [])])];
    for (const code of codes) {
      // Two codes may share a status (503: no_healthy_node, service_unavailable): name both.
      const sameStatus = responses[String(API_ERRORS[code])] as { description?: string } | undefined;
      responses[String(API_ERRORS[code])] = { description: sameStatus?.description ? `${sameStatus.description} | ${code}` : code, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    }
    (paths[spec.path] ??= {})[spec.method.toLowerCase()] = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      security: spec.scope === "public" ? [] : [{ apiKey: [] }],
      "x-scope": spec.scope,
      ...(spec.fastPath ? { "x-fast-path": true } : {}),
      parameters: parameters(spec),
      ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(spec.body, "input") } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Switchyard REST API", version: "1.0.0", description: "Manage proxy pools and check out proxies. Errors: { error: { code, message, details } }." },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "Authorization: Bearer sy_<prefix>_<secret>; scopes read < write < admin." } },
      schemas: { Error: jsonSchema(errorSchema, "output") },
    },
    paths,
  };
}
