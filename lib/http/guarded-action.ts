import "server-only";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { AuthorizationError } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/auth/validation";
import { noteDatabaseError } from "@/lib/db/database-outage";
import { RateLimitedError } from "@/lib/rate-limit/rate-limit";
import { fieldErrors, type ActionResult } from "./field-errors";

/**
 * THE server-action convention: every action (lib/<domain>/actions.ts and the forms' actions in
 * app/) runs its body inside this and answers an ActionResult. Expected failures come back as
 * field errors — bad input (UserInputError, with its field), a missing role or session, a rate
 * limit, a database outage — and anything else as a generic form error (logged, never a stack
 * trace). redirect()/notFound() pass through: they are Next's control flow, not failures. Call
 * requireActor inside `run`, so an unauthorised call is refused before anything happens.
 */
export async function guardedAction<R extends ActionResult>(name: string, run: () => Promise<R>): Promise<R | ActionResult<never>> {
  try {
    return await run();
  } catch (error) {
    unstable_rethrow(error);
    if (error instanceof AuthorizationError) return { ok: false, fieldErrors: { form: error.message } };
    if (error instanceof UserInputError) return { ok: false, fieldErrors: { [error.field ?? "form"]: error.message } };
    if (error instanceof RateLimitedError) return { ok: false, fieldErrors: { form: error.message } };
    if (noteDatabaseError(error)) return { ok: false, fieldErrors: { form: "The database is unavailable right now; nothing was changed. Try again in a few seconds." } };
    console.error(`${name} action failed:`, error instanceof Error ? error.message : "unknown error");
    return { ok: false, fieldErrors: { form: "Something went wrong on the server; nothing was changed. Try again." } };
  }
}

export function invalid(error: z.ZodError): { ok: false; fieldErrors: Record<string, string> } {
  return { ok: false, fieldErrors: fieldErrors(error) };
}
