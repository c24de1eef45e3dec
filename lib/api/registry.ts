import type { z } from "zod";
import type { ApiKeyScope } from "@/lib/auth/api-keys";
import type { ApiErrorCode } from "@/lib/http/api-errors";

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** What the OpenAPI document and the route wrapper know about one endpoint. */
export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. /api/v1/nodes/{id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Minimum API key scope; "public" only for the OpenAPI document itself. */
  scope: ApiKeyScope | "public";
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success body (omit for 204). */
  response?: z.ZodType;
  status?: 200 | 201 | 204;
  /** Error codes this endpoint may answer besides the ones every route has (401, 403, 429, 500). */
  errors?: ApiErrorCode[];
  /** Request body cap in bytes (default 1 MiB); larger → 413. */
  maxBodyBytes?: number;
  /** Served by the gateway fast path in lib/server/web-server.ts (the Next route is the fallback). */
  fastPath?: boolean;
}

export interface RegisteredRoute {
  spec: RouteSpec;
  /** Calls the endpoint the way Next does (for tests that walk the registry). */
  invoke(request: Request, params: Record<string, string>): Promise<Response>;
}

const registry = new Map<string, RegisteredRoute>();

export function registerRoute(route: RegisteredRoute): void {
  registry.set(`${route.spec.method} ${route.spec.path}`, route);
}

/** Every registered endpoint, in registration order. Import "@/lib/api/routes" first to fill it. */
export function registeredRoutes(): RegisteredRoute[] {
  return [...registry.values()];
}
