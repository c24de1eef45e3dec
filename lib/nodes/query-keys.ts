/**
 * Stable query keys: every view that shows nodes is invalidated by the "nodes" prefix after a
 * write. Not in the client hooks' module, so a page can prefetch on the server under the same key.
 */
export const nodeQueryKeys = {
  all: ["nodes"] as const,
  list: (params: Record<string, string>) => ["nodes", "list", params] as const,
  detail: (id: string) => ["nodes", "detail", id] as const,
  pools: ["pools"] as const,
  tags: ["tags"] as const,
  audit: (params: Record<string, string>) => ["audit", params] as const,
};
