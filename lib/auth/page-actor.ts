import "server-only";
import { redirect } from "next/navigation";
import { AuthorizationError, requireActor, type Actor, type Role } from "@/lib/auth/actor";

/**
 * For server-component pages: the signed-in actor with at least `minimum`, a redirect to
 * /login?next=`from` when not signed in, or null when the role is too low (render a
 * "needs the … role" message instead of the page's controls).
 */
export async function requirePageActor(minimum: Role, from: string): Promise<Actor | null> {
  try {
    return await requireActor(minimum);
  } catch (error) {
    if (!(error instanceof AuthorizationError)) throw error;
    if (error.status === 401) redirect(`/login?next=${encodeURIComponent(from)}`);
    return null;
  }
}
