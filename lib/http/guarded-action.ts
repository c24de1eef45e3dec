import "server-only";
import type { z } from "zod";
import { AuthorizationError } from "@/lib/auth/actor";
import { noteDatabaseError } from "@/lib/db/database-outage";
import { fieldErrors, type ActionResult } from "./field-errors";

/**
 * Every server action runs inside this: auth failures and unexpected errors come back as a form
 * error (never a stack trace), so the browser always gets { ok, fieldErrors } to show.
 */
export async function guardedAction<R extends ActionResult>(name: string, run: () => Promise<R>): Promise<R | ActionResult<never>> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AuthorizationError) return { ok: false, fieldErrors: { form: error.message } };
    if (noteDatabaseError(error)) return { ok: false, fieldErrors: { form: "The database is unavailable right now; nothing was changed. Try again in a few seconds." } };
    console.error(`${name} action failed:`, error instanceof Error ? error.message : "unknown error");
    return { ok: false, fieldErrors: { form: "Something went wrong on the server; nothing was changed. Try again." } };
  }
}

export function invalid(error: z.ZodError): { ok: false; fieldErrors: Record<string, string> } {
  return { ok: false, fieldErrors: fieldErrors(error) };
}
