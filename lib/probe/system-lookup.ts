import { lookup } from "node:dns/promises";
import { HostLookupError, type HostLookup } from "./host-lookup";

/**
 * The product's lookup for operators' proxy host names: the machine's resolver. Only the worker
 * and on-demand probes in a running product use it; tests and the lab use IP literals or their
 * own lookup. SWITCHYARD_DNS=off refuses names instead (air-gapped or loopback-only installs).
 */
export const systemLookup: HostLookup = async (hostname) => {
  if (process.env.SWITCHYARD_DNS === "off") throw new HostLookupError(hostname, "name resolution is off (SWITCHYARD_DNS=off)");
  try {
    return (await lookup(hostname)).address;
  } catch (error) {
    throw new HostLookupError(hostname, error instanceof Error ? error.message : String(error));
  }
};
