import { z } from "zod";
import type { ApiKeyActor } from "@/lib/auth/api-key-actor";
import { enforceApiRateLimit, requireApiKeyActor } from "@/lib/auth/api-key-actor";
import { errorResponse } from "@/lib/http/api-errors";
import { parseWith, queryObject, readJsonBody, requestBody } from "@/lib/http/request-parsing";
import { registerRoute, type RouteSpec } from "./registry";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteContext<S extends RouteSpec> {
  request: Request;
  /** Null only for public routes. */
  actor: S["scope"] extends "public" ? null : ApiKeyActor;
  params: Infer<S["params"]>;
  query: Infer<S["query"]>;
  body: Infer<S["body"]>;
}

export type NextRouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/**
 * Defines one REST endpoint: registers it (OpenAPI, route walks) and returns the Next.js handler.
 * In order: authenticate (every route but the OpenAPI document), count against the key's rate
 * limit, validate path params and query (strict), read the JSON body with a size cap (413) and
 * validate it (strict: unknown fields → 422), run the handler, map any error to the error table.
 */
export function defineRoute<const S extends RouteSpec>(
  spec: S,
  handler: (context: RouteContext<S>) => Promise<unknown>,
): NextRouteHandler {
  const invoke = async (request: Request, rawParams: Record<string, string>): Promise<Response> => {
    try {
      let actor: ApiKeyActor | null = null;
      if (spec.scope !== "public") {
        actor = await requireApiKeyActor(request, spec.scope);
        await enforceApiRateLimit(actor);
      }
      const params = spec.params ? parseWith(spec.params, rawParams, "params") : undefined;
      const query = spec.query ? parseWith(spec.query, queryObject(new URL(request.url).searchParams), "query") : undefined;
      let body: unknown = undefined;
      if (spec.body) body = parseWith(spec.body, await readJsonBody(requestBody(request), spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
      const result = await handler({ request, actor, params, query, body } as RouteContext<S>);
      if (result instanceof Response) return result;
      if (spec.status === 204) return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
      return Response.json(result, { status: spec.status ?? 200, headers: { "cache-control": "no-store" } });
    } catch (error) {
      return errorResponse(error);
    }
  };
  registerRoute({ spec, invoke });
  return async (request, context) => invoke(request, (await context?.params) ?? {});
}
