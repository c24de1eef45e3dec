/**
 * Query keys of the stats views. Not in the client hooks' module: the pages that prefetch the
 * same data on the server (app/page.tsx) must build the same keys.
 */
export const statsQueryKeys = {
  dashboard: (params: Record<string, string>) => ["stats", "dashboard", params] as const,
  node: (id: string, window: string) => ["nodes", "stats", id, window] as const,
};
