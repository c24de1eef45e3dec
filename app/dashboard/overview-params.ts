/**
 * The overview's URL query as the dashboard query's params (window defaults to 1 h; pool and a
 * custom range when set): the view and the page's server prefetch build the same query key.
 */
export function overviewParams(query: Record<string, string | string[] | undefined>): Record<string, string> {
  const first = (key: string) => [query[key]].flat()[0];
  const params: Record<string, string> = { window: first("window") || "1h" };
  for (const key of ["poolId", "from", "to"]) {
    const value = first(key);
    if (value) params[key] = value;
  }
  return params;
}
