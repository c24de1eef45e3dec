import { z } from "zod";
import type { ApiKeyActor } from "@/lib/auth/api-key-actor";
import { enforceApiRateLimit, requireApiKeyActor } from "@/lib/auth/api-key-actor";
import { ApiError, errorResponse, validationError } from "./errors";
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
      const query = spec.query ? parseWith(spec.query, queryObject(request), "query") : undefined;
      let body: unknown = undefined;
      if (spec.body) body = parseWith(spec.body, await readJsonBody(request, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), "");
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

function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, prefix || undefined);
  return result.data;
}

/** Query string → object; a repeated key becomes an array. */
export function queryObject(request: Request): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(request.url).searchParams) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** Reads at most maxBytes of JSON; 413 beyond, 400 when it is not JSON. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new ApiError("bad_request", "Send a JSON body (Content-Type: application/json).");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON.");
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The body is larger than ${maxBytes} bytes.`, { maxBytes });
}
