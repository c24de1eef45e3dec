// Test helper: calls registered REST v1 endpoints in-process and checks every answer against the
// served OpenAPI document (status documented, body valid against its schema).
import { expect } from "vitest";
import { createApiKey } from "@/lib/auth/api-keys";
import { createTestUser } from "@/lib/auth/testing";
import type { ApiKeyScope } from "@/lib/auth/api-keys";
import { buildOpenApiDocument } from "../openapi";
import { registeredRoutes } from "../registry";
import { checkJsonSchema } from "./json-schema-check";

let document: Record<string, unknown> | undefined;
export const openApi = () => (document ??= buildOpenApiDocument());

export async function testApiKey(scope: ApiKeyScope, poolId: string | null = null): Promise<{ key: string; id: string }> {
  const admin = await createTestUser("admin");
  const { key, apiKey } = await createApiKey(admin.actor, { name: `test ${scope}`, scope, poolId });
  return { key, id: apiKey.id };
}

function match(method: string, path: string) {
  for (const route of registeredRoutes()) {
    if (route.spec.method !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(`^${route.spec.path.replace(/\{(\w+)\}/g, (_, name) => (names.push(name), "([^/]+)"))}$`);
    const found = pattern.exec(path);
    if (found) return { route, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])])) };
  }
  throw new Error(`no route ${method} ${path}`);
}

export async function api(method: string, url: string, options: { key?: string | null; body?: unknown; rawBody?: string } = {}) {
  const [path] = url.split("?");
  const { route, params } = match(method, path);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await route.invoke(new Request(`http://switchyard.test${url}`, { method, headers, body }), params);
  const json = response.status === 204 ? null : await response.json();
  // Contract: the status is documented and the body matches its schema.
  const doc = openApi() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>> };
  const operation = doc.paths[route.spec.path][method.toLowerCase()];
  const documented = operation.responses[String(response.status)];
  expect(documented, `${method} ${route.spec.path} answered undocumented ${response.status}: ${JSON.stringify(json)}`).toBeDefined();
  const schema = documented.content?.["application/json"]?.schema;
  if (schema) expect(checkJsonSchema(json, schema, doc), `${method} ${route.spec.path} ${response.status}`).toEqual([]);
  return { status: response.status, json, headers: response.headers };
}
