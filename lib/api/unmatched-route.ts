import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, errorBody } from "@/lib/http/api-errors";
import { registeredRoutes } from "./registry";
import "./routes";

let patterns: Array<{ pattern: RegExp; method: string }> | undefined;

/** The methods registered for an /api/v1 path (none = unknown path). HEAD rides on GET. */
export function allowedMethods(pathname: string): string[] {
  patterns ??= registeredRoutes().map(({ spec }) => ({ pattern: new RegExp(`^${spec.path.replace(/\{\w+\}/g, "[^/]+")}$`), method: spec.method }));
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  return patterns.filter(({ pattern }) => pattern.test(path)).map(({ method }) => method);
}

/**
 * Web-server fast path (after the gateway's): an /api/v1 request that no endpoint takes gets the
 * error table's JSON — 404 for an unknown path, 405 with Allow for a known path and another
 * method — instead of Next's empty 405 or HTML 404. Everything else goes on to Next.
 */
export function unmatchedApiRouteFastPath(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "";
  if (!(url === "/api/v1" || url.startsWith("/api/v1/") || url.startsWith("/api/v1?"))) return false;
  const pathname = url.split("?")[0];
  const methods = allowedMethods(pathname);
  const method = req.method ?? "GET";
  if (methods.includes(method) || (method === "HEAD" && methods.includes("GET")) || (method === "OPTIONS" && methods.length > 0)) return false;
  const error =
    methods.length === 0
      ? new ApiError("not_found", "No such endpoint; see /api/v1/openapi.json.")
      : new ApiError("method_not_allowed", `${method} is not allowed here; use ${methods.join(", ")}.`, { allow: methods });
  const text = JSON.stringify(errorBody(error));
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" };
  if (methods.length) headers.allow = methods.join(", ");
  // The body is not read: close the connection so its bytes cannot be taken for the next request.
  if (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) headers.connection = "close";
  res.writeHead(error.status, headers);
  res.end(method === "HEAD" ? undefined : text);
  req.resume();
  return true;
}
