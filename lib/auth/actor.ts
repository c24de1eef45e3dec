import "server-only";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

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

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

export const SYSTEM_ACTOR: Actor = { kind: "system", id: "switchyard", label: "switchyard (automation)", role: "admin" };

/**
 * The actor behind the current request, checked against the minimum role; throws
 * AuthorizationError otherwise. Until operator accounts land (issue 5) every browser request acts
 * as the local operator on this loopback-only instance.
 */
export async function requireActor(minimum: Role): Promise<Actor> {
  const actor: Actor = { kind: "user", id: "local", label: "local operator", role: "admin" };
  if (!roleAtLeast(actor.role, minimum)) throw new AuthorizationError(403, `This needs the ${minimum} role.`);
  return actor;
}
