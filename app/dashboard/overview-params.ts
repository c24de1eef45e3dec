/** The overview's URL state as the dashboard query's params: window (default 1 h), pool, custom range. */
export function overviewParams(get: (key: string) => string | null | undefined): Record<string, string> {
  const params: Record<string, string> = { window: get("window") || "1h" };
  for (const key of ["poolId", "from", "to"]) {
    const value = get(key);
    if (value) params[key] = value;
  }
  return params;
}

export function sameParams(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}
