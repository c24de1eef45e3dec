import { isIP } from "node:net";

/** Resolves a host name to an IP literal. Injected so nothing ever reaches the system resolver by accident. */
export type HostLookup = (hostname: string) => Promise<string>;

export class HostLookupError extends Error {
  constructor(hostname: string, detail: string) {
    super(`cannot resolve ${hostname}: ${detail}`);
    this.name = "HostLookupError";
  }
}

/** Default: IP literals pass through, names are refused (callers that want DNS must pass a lookup). */
export const ipLiteralOnlyLookup: HostLookup = async (hostname) => {
  if (isIP(hostname)) return hostname;
  throw new HostLookupError(hostname, "only IP literals are accepted (no lookup function given)");
};

export async function resolveHost(hostname: string, lookup: HostLookup = ipLiteralOnlyLookup): Promise<string> {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (isIP(bare)) return bare;
  return lookup(bare);
}
