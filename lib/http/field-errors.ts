import type { z } from "zod";

// Client-safe: forms use these too, so nothing server-only may be imported here.

/**
 * What a mutation or server action answers. A failure may carry a code, so the REST API picks
 * its status from it (conflict → 409, not_found → 404) and never from the English message.
 */
export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; fieldErrors: Record<string, string>; code?: FailureCode };
export type FailureCode = "conflict" | "not_found";

/** zod issues → { field: first message }, what forms show next to each input. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "form";
    errors[key] ??= issue.message;
  }
  return errors;
}
