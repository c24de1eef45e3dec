/** The use figures of one connection pool (pg.Pool has them). */
export interface ReportedPgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

// On globalThis: Next.js bundles route code apart from the worker's modules; both register here.
const globalForPools = globalThis as unknown as { switchyardPgPools?: Map<string, ReportedPgPool> };

/** Names a process's pg.Pool so /metrics can report its use (lib/metrics reads this). */
export function registerPgPool(name: string, pool: ReportedPgPool): void {
  (globalForPools.switchyardPgPools ??= new Map()).set(name, pool);
}

export function registeredPgPools(): ReadonlyMap<string, ReportedPgPool> {
  return (globalForPools.switchyardPgPools ??= new Map());
}
