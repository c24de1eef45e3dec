import { getCurrentActor } from "@/lib/auth/actor";

/**
 * GET /api/auth/me → {"user": {id, email, role}} for the signed-in browser, or JSON 401. Client
 * components use it (lib/auth/use-current-user.ts) to show who is signed in and to hide controls
 * the role cannot use; the server still checks every action itself.
 */
export async function GET(): Promise<Response> {
  const actor = await getCurrentActor();
  if (!actor) {
    return Response.json({ error: { code: "unauthorized", message: "Sign in to continue." } }, { status: 401, headers: { "cache-control": "no-store" } });
  }
  return Response.json({ user: { id: actor.id, email: actor.label, role: actor.role } }, { headers: { "cache-control": "no-store" } });
}
