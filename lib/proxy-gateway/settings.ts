import type pg from "pg";
import { DEFAULT_PROXY_GATEWAY_SETTINGS, type ProxyGatewaySettings } from "@/lib/pools/schema";

/**
 * All pools' settings in memory, re-read whenever the checkout index rebuilt (its version moved:
 * the settings table's trigger notifies the same channel) and at least every 30 s. Reads never
 * wait: the previous map serves while a reload runs.
 */
export class ProxyGatewaySettingsCache {
  private byPool = new Map<string, ProxyGatewaySettings>();
  private loadedVersion = -1;
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly db: pg.Pool, private readonly indexVersion: () => number, private readonly log: (line: string) => void) {}

  load(): Promise<void> {
    this.loading ??= (async () => {
      const version = this.indexVersion();
      try {
        const { rows } = await this.db.query<ProxyGatewaySettings & { poolId: string }>(
          `SELECT "poolId"::text AS "poolId", "maxAttempts", "deadlineMs", "connectTimeoutMs", "firstByteTimeoutMs", "retryTargetFailures", "retryNonIdempotent" FROM "PoolProxyGatewaySettings"`,
        );
        this.byPool = new Map(rows.map(({ poolId, ...settings }) => [poolId, settings]));
        this.loadedVersion = version;
        this.loadedAt = Date.now();
      } catch (error) {
        this.log(`gateway: reading pool settings failed: ${(error as Error).message}`);
        this.loadedVersion = version; // try again on the next change or in 30 s, not on every request
        this.loadedAt = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  get(poolId: string): ProxyGatewaySettings {
    if (this.loadedVersion !== this.indexVersion() || Date.now() - this.loadedAt > 30_000) void this.load();
    return this.byPool.get(poolId) ?? DEFAULT_PROXY_GATEWAY_SETTINGS;
  }
}
