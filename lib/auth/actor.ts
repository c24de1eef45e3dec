import "server-only";
import { roleAtLeast, type Role } from "@/lib/auth/roles";
import { validateSessionToken } from "@/lib/auth/session";
import { readSessionToken } from "@/lib/auth/session-token";

export { ROLES, roleAtLeast, type Role } from "@/lib/auth/roles";

/** Who performs an action: a signed-in user, an API key, or Switchyard itself (automation). */
export interface Actor {
  kind: "user" | "api_key" | "system";
  id: string;
  /** What the audit log shows, e.g. "alice@example.com" or "key:scraper-eu". */
  label: string;
  role: Role;
}

export class AuthorizationError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

export const SYSTEM_ACTOR: Actor = { kind: "system", id: "switchyard", label: "switchyard (automation)", role: "admin" };

/** The signed-in user of the current request (session cookie checked against the database), or null. */
export async function getCurrentActor(): Promise<Actor | null> {
  const user = await validateSessionToken(await readSessionToken());
  return user ? { kind: "user", id: user.id, label: user.email, role: user.role } : null;
}

/**
 * The signed-in user behind the current request, checked against the minimum role. Throws
 * AuthorizationError 401 when there is no valid session (none, expired, revoked, user disabled)
 * and 403 when the user's role is below `minimum`. Call it first in every server action, route
 * handler and page that reads or changes data; the role is read from the database each time, so
 * role changes and disabling take effect immediately.
 */
export async function requireActor(minimum: Role): Promise<Actor> {
  const actor = await getCurrentActor();
  if (!actor) throw new AuthorizationError(401, "Sign in to continue.");
  if (!roleAtLeast(actor.role, minimum)) throw new AuthorizationError(403, `This needs the ${minimum} role.`);
  return actor;
}
