import pg from "pg";

/** What a client is told to wait before trying again while the database is away (seconds). */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

// PostgreSQL SQLSTATEs of a server going away or not accepting connections yet: admin/crash
// shutdown (57P01/57P02), starting up or shutting down (57P03), connection exceptions (08…).
const UNAVAILABLE_SQLSTATES = /^(57P0[123]|08\w{3})$/;
const UNAVAILABLE_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
// Prisma: can't reach (P1001), timed out (P1002, P1008), server closed the connection (P1017),
// no pool connection in time (P2024). Driver-adapter kinds carry the same facts for raw queries.
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Can't reach database server|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Server has closed the connection/i;

/**
 * True when an error means "the database cannot be used right now" (down, restarting, refusing,
 * unreachable) rather than "this query is wrong": those answer 503 + Retry-After, not 500.
 * Looks through Prisma's wrappers (code, meta.driverAdapterError) and the cause chain.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 6; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } }; cause?: unknown };
    const code = typeof candidate.code === "string" ? candidate.code : "";
    if (UNAVAILABLE_PRISMA_CODES.has(code) || UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code)) return true;
    const adapterCause = candidate.meta?.driverAdapterError?.cause;
    if (adapterCause) {
      if (typeof adapterCause.kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(adapterCause.kind)) return true;
      if (typeof adapterCause.code === "string" && UNAVAILABLE_SQLSTATES.test(adapterCause.code)) return true;
    }
    if (typeof candidate.message === "string" && UNAVAILABLE_MESSAGES.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

const TIMEOUT_REASON = "database does not answer in time";

/** A reason safe to show anyone (no host, no credentials): what kind of unavailability. */
export function outageReason(error: unknown): string {
  const text = error instanceof Error ? `${(error as { code?: string }).code ?? ""} ${error.message}` : String(error);
  if (/ECONNREFUSED|Can't reach|DatabaseNotReachable/i.test(text)) return "database refuses connections (not running?)";
  if (/starting up|recovery mode|57P03/i.test(text)) return "database is starting up";
  if (/shutting down|administrator command|57P01|57P02/i.test(text)) return "database is shutting down";
  if (/timeout|ETIMEDOUT|P1002|P1008|P2024/i.test(text)) return TIMEOUT_REASON;
  return "database connection lost";
}

export interface DatabaseOutage {
  since: Date;
  reason: string;
}

interface OutageState {
  outage: DatabaseOutage | null;
  /** Set while a monitor runs: asks it to ping now. */
  pingNow?: () => void;
}

// On globalThis: scripts/start.ts and the route modules of Next's bundle are separate module
// instances in one process, and must share one view of the database.
const globalForOutage = globalThis as unknown as { switchyardDatabaseOutage?: OutageState };
const state: OutageState = (globalForOutage.switchyardDatabaseOutage ??= { outage: null });

/** The current outage as the monitor last saw it; null while the database answers or no monitor runs. */
export function currentDatabaseOutage(): DatabaseOutage | null {
  return state.outage;
}

/**
 * Called with an error from any database call. An unavailability error makes the monitor ping at
 * once, so the outage is known within one round trip instead of one interval. Only the monitor's
 * pings start and end an outage: one source of truth, and no outage can outlive its evidence.
 * Returns whether the error was an unavailability error.
 */
export function noteDatabaseError(error: unknown): boolean {
  if (!isDatabaseUnavailableError(error)) return false;
  if (!state.outage) state.pingNow?.();
  return true;
}

/**
 * Pings the database on its own connection (every intervalMs while it answers, every second while
 * it does not) so an outage is known before most requests trip over it, and its end is noticed
 * without any request. Every ping is bounded by timeoutMs (default 5 s): a server that stays hung
 * for two pings in a row counts as down.
 * `onChange` hears every switch (true = available again).
 */
export function startDatabaseMonitor(options: {
  connectionString: string;
  intervalMs?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  onChange?: (available: boolean) => void;
}): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;

  const ping = async () => {
    clearTimeout(timer);
    try {
      if (!client) {
        const fresh = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
        fresh.on("error", () => undefined); // a dropped connection is noticed by the next ping
        client = fresh;
        await fresh.connect();
      }
      await client.query("SELECT 1");
      failures = 0;
      if (state.outage) {
        options.log?.(`database: reachable again after ${Math.round((Date.now() - state.outage.since.getTime()) / 1000)} s`);
        state.outage = null;
        options.onChange?.(true);
      }
    } catch (error) {
      const dropped = client;
      client = undefined;
      void dropped?.end().catch(() => undefined);
      failures++;
      // A refusal or a shutdown is certain at once. A timeout may be our own event loop stalling
      // (a busy start, a GC pause), so it counts only when the next ping times out too.
      const certain = outageReason(error) !== TIMEOUT_REASON;
      if (!state.outage && !stopped && (certain || failures >= 2)) {
        state.outage = { since: new Date(), reason: outageReason(error) };
        options.log?.(`database: unavailable (${state.outage.reason}); answering 503 until it is back`);
        options.onChange?.(false);
      }
    }
    if (!stopped) timer = setTimeout(pingOnce, state.outage || failures > 0 ? 1_000 : intervalMs).unref();
  };
  const pingOnce = () => void (running ??= ping().finally(() => (running = undefined)));
  state.pingNow = pingOnce;
  pingOnce();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (state.pingNow === pingOnce) {
        state.pingNow = undefined;
        state.outage = null;
      }
      await running;
      clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
