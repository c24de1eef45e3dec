import type { z } from "zod";

// Client-safe: forms use these too, so nothing server-only may be imported here.

/**
 * What a mutation or server action answers. A failure may carry a code, so the REST API picks
 * its status from it (conflict → 409, not_found → 404) and never from the English message.
 */
export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; fieldErrors: Record<string, string>; code?: FailureCode };
export type FailureCode = "conflict" | "not_found";

/** A form action's answer (useActionState): an ActionResult whose success may say something. */
export type FormResult<T = object> = ActionResult<T & { message?: string }>;
/** What a form holds under useActionState: null before the first submit, then the last answer. */
export type FormState<T = object> = FormResult<T> | null;

/** The error to show for a failed result: the form's own, else the first field's. */
export function firstError(result: ActionResult | null | undefined): string | undefined {
  if (!result || result.ok) return undefined;
  return result.fieldErrors.form ?? Object.values(result.fieldErrors)[0];
}

/** zod issues → { field: first message }, what forms show next to each input. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "form";
    errors[key] ??= issue.message;
  }
  return errors;
}
