import "server-only";
import { NextResponse } from "next/server";
import { z } from "zod";
import { AuthorizationError, requireActor, type Actor, type Role } from "@/lib/auth/actor";
import { noteDatabaseError, OUTAGE_RETRY_AFTER_SECONDS } from "@/lib/db/database-outage";

/**
 * Wraps the browser's read endpoints (/api/ui/*, fetched by React Query): checks the role first,
 * turns auth failures into 401/403 JSON, a query that fails its schema into 400 naming the field
 * and the reason, and never leaks stack traces or SQL.
 */
export function uiRoute<P>(minimum: Role, handler: (request: Request, context: { actor: Actor; params: P }) => Promise<unknown>) {
  return async (request: Request, context: { params: Promise<P> }) => {
    try {
      const actor = await requireActor(minimum);
      const body = await handler(request, { actor, params: await context.params });
      if (body instanceof Response) return body;
      return NextResponse.json(body, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      if (error instanceof AuthorizationError) {
        return NextResponse.json({ error: { code: error.status === 401 ? "unauthorized" : "forbidden", message: error.message } }, { status: error.status });
      }
      if (error instanceof z.ZodError) return badQuery(error);
      if (noteDatabaseError(error)) {
        return NextResponse.json(
          { error: { code: "service_unavailable", message: "The database is unavailable; try again shortly." } },
          { status: 503, headers: { "retry-after": String(OUTAGE_RETRY_AFTER_SECONDS), "cache-control": "no-store" } },
        );
      }
      console.error("ui route failed:", error instanceof Error ? error.message : "unknown error");
      return NextResponse.json({ error: { code: "internal_server_error", message: "Internal server error." } }, { status: 500 });
    }
  };
}

/** 400 for a query string that fails its schema: `details.fields` maps each field to the reason. */
export function badQuery(error: z.ZodError): Response {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.map(String).join(".") || "query"] ??= issue.message;
  const [field, reason] = Object.entries(fields)[0] ?? ["query", "is not valid"];
  return NextResponse.json({ error: { code: "bad_request", message: `${field}: ${reason}`, details: { fields } } }, { status: 400, headers: { "cache-control": "no-store" } });
}

export function notFound(message: string): Response {
  return NextResponse.json({ error: { code: "not_found", message } }, { status: 404 });
}

export function searchParamsObject(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}
