import { createHash } from "node:crypto";
import { verifyApiKey, type VerifiedApiKey } from "@/lib/auth/api-keys";
import { currentDatabaseOutage, isDatabaseUnavailableError } from "@/lib/db/database-outage";
import { gatewayStaleLimitMs } from "./gateway-index";

export const KEY_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/**
 * API-key verification for the gateway fast path, cached per sha256(Authorization header) for
 * KEY_CACHE_TTL_MS. Bound on revocation: a revoked/expired key keeps working on an instance for at
 * most 5 s; in practice less, because the ApiKey trigger NOTIFYs every gateway, which clears this
 * cache at once. Unknown keys are cached as null for the same time (a flood of bad keys costs one
 * lookup per key per 5 s).
 * While the database is away, a key's last verdict keeps answering for up to the gateway's stale
 * limit after it was verified (nobody can revoke a key then either), so checkout keeps serving.
 */
export class ApiKeyCache {
  private entries = new Map<string, { key: VerifiedApiKey | null; until: number; verifiedAt: number }>();
  private pending = new Map<string, Promise<VerifiedApiKey | null>>();
  /** Bumped by clear(): memos derived from this cache's answers (the proxy gateway's per-connection one) are void. */
  generation = 0;

  async verify(header: string): Promise<VerifiedApiKey | null> {
    const digest = createHash("sha256").update(header).digest("base64");
    const now = Date.now();
    const hit = this.entries.get(digest);
    if (hit && hit.until > now) return hit.key;
    const usableWhileDown = hit !== undefined && now - hit.verifiedAt < gatewayStaleLimitMs();
    // A known outage: do not wait for a lookup that cannot succeed.
    if (hit && usableWhileDown && currentDatabaseOutage()) return hit.key;
    let lookup = this.pending.get(digest);
    if (!lookup) {
      lookup = verifyApiKey(header).finally(() => this.pending.delete(digest));
      this.pending.set(digest, lookup);
    }
    let key: VerifiedApiKey | null;
    try {
      key = await lookup;
    } catch (error) {
      if (hit && usableWhileDown && isDatabaseUnavailableError(error)) return hit.key;
      throw error;
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(digest, { key, until: now + KEY_CACHE_TTL_MS, verifiedAt: now });
    return key;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
