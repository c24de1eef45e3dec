import { HostLookupError, type HostLookup } from "@/lib/probe/host-lookup";

/** Names under this suffix resolve to loopback; everything else fails like NXDOMAIN. */
export const LAB_DOMAIN = "lab.test";
/** Resolves never: lets a proxy's upstream connect time out (its own 504) without a real black hole. */
export const LAB_BLACKHOLE_HOST = `blackhole.${LAB_DOMAIN}`;

/** The lab's stand-in for DNS, used by lab proxies and by tests; never touches the system resolver. */
export const labLookup: HostLookup = (hostname) => {
  const name = hostname.toLowerCase();
  if (name === LAB_BLACKHOLE_HOST) return new Promise<string>(() => {});
  if (name === LAB_DOMAIN || name.endsWith(`.${LAB_DOMAIN}`)) return Promise.resolve("127.0.0.1");
  return Promise.reject(new HostLookupError(hostname, "ENOTFOUND (lab lookup knows only *.lab.test)"));
};
