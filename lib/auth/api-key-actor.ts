import { AuthorizationError, type Actor, type Role } from "@/lib/auth/actor";
import { scopeAtLeast, verifyApiKey, type ApiKeyScope } from "@/lib/auth/api-keys";
import { API_PER_KEY, enforceRateLimit, RateLimitedError, rateLimitedResponse, type RateLimitRule } from "@/lib/rate-limit/rate-limit";

/** An API key acting through the REST API. role mirrors the scope: read→viewer, write→operator, admin→admin. */
export interface ApiKeyActor extends Actor {
  kind: "api_key";
  scope: ApiKeyScope;
  /** When set, the key may only read or change this pool (and its nodes); check with assertPoolAccess. */
  poolId: string | null;
}

const ROLE_OF_SCOPE: Record<ApiKeyScope, Role> = { read: "viewer", write: "operator", admin: "admin" };

/**
 * The API key of a REST request ("Authorization: Bearer sy_…"). Throws AuthorizationError 401
 * when the header is missing or the key is malformed, unknown, revoked or expired, 403 when its
 * scope is below `minimumScope`. Turn errors into responses with apiErrorResponse.
 */
export async function requireApiKeyActor(request: Request, minimumScope: ApiKeyScope): Promise<ApiKeyActor> {
  const header = request.headers.get("authorization");
  if (!header) throw new AuthorizationError(401, "Send an API key: Authorization: Bearer sy_…");
  const key = await verifyApiKey(header);
  if (!key) throw new AuthorizationError(401, "The API key is invalid, revoked or expired.");
  if (!scopeAtLeast(key.scope, minimumScope)) throw new AuthorizationError(403, `This needs an API key with the ${minimumScope} scope.`);
  return { kind: "api_key", id: key.id, label: `key:${key.name} (${key.prefix})`, role: ROLE_OF_SCOPE[key.scope], scope: key.scope, poolId: key.poolId };
}

/** Throws 403 when a pool-restricted key reaches for another pool (or for something outside pools). */
export function assertPoolAccess(actor: Actor, poolId: string | null): void {
  if (actor.kind !== "api_key") return;
  const restricted = (actor as ApiKeyActor).poolId;
  if (restricted && restricted !== poolId) throw new AuthorizationError(403, "This API key is restricted to another pool.");
}

/**
 * Maps AuthorizationError (401/403) and RateLimitedError (429 + Retry-After) to the JSON error
 * responses of the REST API; returns null for anything else (rethrow it).
 */
export function apiErrorResponse(error: unknown): Response | null {
  if (error instanceof RateLimitedError) return rateLimitedResponse(error.retryAfterSeconds);
  if (error instanceof AuthorizationError) {
    const code = error.status === 401 ? "unauthorized" : "forbidden";
    const headers: Record<string, string> = error.status === 401 ? { "www-authenticate": 'Bearer realm="switchyard"' } : {};
    return Response.json({ error: { code, message: error.message } }, { status: error.status, headers });
  }
  return null;
}

/** Counts one request against the key's API limit; throws RateLimitedError (→ 429) when over it. */
export async function enforceApiRateLimit(actor: ApiKeyActor, rule: RateLimitRule = API_PER_KEY): Promise<void> {
  await enforceRateLimit(rule, actor.id);
}
