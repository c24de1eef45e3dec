import { z } from "zod";
import { AuthorizationError } from "@/lib/auth/actor";
import { RateLimitedError } from "@/lib/rate-limit/rate-limit";
import { UserInputError } from "@/lib/auth/validation";
import { noteDatabaseError, OUTAGE_RETRY_AFTER_SECONDS } from "@/lib/db/database-outage";
import type { FailureCode } from "./field-errors";

/**
 * The REST API's one error table. Every error answer is
 * `{ "error": { "code": <code>, "message": <safe text>, "details": <object | null> } }`.
 */
export const API_ERRORS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable_entity: 422,
  rate_limit_exceeded: 429,
  internal_server_error: 500,
  no_healthy_node: 503,
  service_unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = API_ERRORS[code];
  }
}

export const errorSchema = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
  }),
});

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details: Record<string, unknown> | null };
}

/** zod issues → 422 with `details.fields` ({ "path.to.field": first message }) and the raw issue list. */
export function validationError(error: z.ZodError, prefix?: string): ApiError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "body";
    fields[path] ??= issue.message;
  }
  return new ApiError("unprocessable_entity", "The request has invalid fields.", { fields });
}

/** A mutation's failure ({ ok: false, code?, fieldErrors }) → 409 / 404 by its code, else 422. */
export function failureToApiError(failure: { fieldErrors: Record<string, string>; code?: FailureCode }): ApiError {
  const message = Object.values(failure.fieldErrors)[0] ?? "The request could not be applied.";
  if (failure.code === "conflict") return new ApiError("conflict", message, { fields: failure.fieldErrors });
  if (failure.code === "not_found") return new ApiError("not_found", message);
  return new ApiError("unprocessable_entity", "The request has invalid fields.", { fields: failure.fieldErrors });
}

/** Any thrown value → the table's status and body. Unknown errors are logged without detail and become a bare 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AuthorizationError) {
    return error.status === 401
      ? new ApiError("unauthorized", error.message, null, { "www-authenticate": 'Bearer realm="switchyard"' })
      : new ApiError("forbidden", error.message);
  }
  if (error instanceof RateLimitedError) {
    return new ApiError("rate_limit_exceeded", error.message, { retryAfterSeconds: error.retryAfterSeconds }, { "retry-after": String(error.retryAfterSeconds) });
  }
  if (error instanceof UserInputError) {
    return new ApiError("unprocessable_entity", error.message, { fields: { [error.field ?? "body"]: error.message } });
  }
  if (noteDatabaseError(error)) return databaseUnavailable();
  console.error("api: unhandled error:", error instanceof Error ? error.name : "unknown");
  return new ApiError("internal_server_error", "Internal server error.");
}

/** The database is down or restarting: 503 with Retry-After, never a 500 (the request may be retried as is). */
export function databaseUnavailable(): ApiError {
  return new ApiError(
    "service_unavailable",
    "The database is unavailable; try again shortly.",
    { retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS },
    { "retry-after": String(OUTAGE_RETRY_AFTER_SECONDS) },
  );
}

export function errorBody(error: ApiError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, details: error.details } };
}

export function errorResponse(error: unknown): Response {
  const apiError = toApiError(error);
  return Response.json(errorBody(apiError), {
    status: apiError.status,
    headers: { "cache-control": "no-store", ...apiError.headers },
  });
}
