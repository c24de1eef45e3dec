import { AuthorizationError } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/auth/validation";
import { RateLimitedError } from "@/lib/rate-limit/rate-limit";

/** What a form's server action hands back to useActionState. */
export interface ActionState {
  ok?: boolean;
  error?: string;
  field?: string;
  message?: string;
  /** The e-mail address typed, so the form can show it again after React resets it. */
  email?: string;
}

/**
 * Runs a server action body and turns expected failures (bad input, missing role, rate limit)
 * into { error } for the form; unexpected errors are rethrown (Next shows its error page). Call
 * requireActor inside `fn`, so an unauthorised call is refused before anything happens.
 */
export async function runAction(fn: () => Promise<string | void>): Promise<ActionState> {
  try {
    const message = await fn();
    return { ok: true, message: message ?? undefined };
  } catch (error) {
    if (error instanceof UserInputError) return { error: error.message, field: error.field };
    if (error instanceof AuthorizationError) return { error: error.status === 401 ? "Your session has ended; sign in again." : error.message };
    if (error instanceof RateLimitedError) return { error: error.message };
    throw error;
  }
}
