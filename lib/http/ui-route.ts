import "server-only";
import { NextResponse } from "next/server";
import type { z } from "zod";
import { requireActor, type Actor, type Role } from "@/lib/auth/actor";
import { ApiError, errorResponse } from "./api-errors";

/**
 * Wraps the browser's read endpoints (/api/ui/*, fetched by React Query): checks the role first,
 * and answers failures from the one error table (lib/http/api-errors.ts): 401/403, 400 for a bad
 * query (parseQuery), 503 while the database is away; never a stack trace or SQL.
 */
export function uiRoute<P>(minimum: Role, handler: (request: Request, context: { actor: Actor; params: P }) => Promise<unknown>) {
  return async (request: Request, context: { params: Promise<P> }) => {
    try {
      const actor = await requireActor(minimum);
      const body = await handler(request, { actor, params: await context.params });
      if (body instanceof Response) return body;
      return NextResponse.json(body, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function notFound(message: string): Response {
  return NextResponse.json({ error: { code: "not_found", message } }, { status: 404 });
}

export function searchParamsObject(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

/** The query string by the schema; a bad value → 400 naming the field and the reason (details.fields). */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.output<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.map(String).join(".") || "query"] ??= issue.message;
  const [field, reason] = Object.entries(fields)[0];
  throw new ApiError("bad_request", `${field}: ${reason}`, { fields });
}
