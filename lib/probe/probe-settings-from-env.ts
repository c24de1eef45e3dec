import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { dataDir } from "@/lib/config/data-dir";
import { openSecret } from "@/lib/secrets/secret-box";
import type { ProbeCheckOptions } from "./probe-check";
import { systemLookup } from "./system-lookup";

/**
 * Check options every probe of the running product shares: the system resolver for proxy names,
 * stored passwords opened with the secret key, and extra CA certificates for private targets:
 * SWITCHYARD_EXTRA_CA_FILE, or the fault lab's certificate when `npm run lab` wrote one into the
 * data folder (so the demo's HTTPS target verifies instead of failing with tls_error).
 */
export function productProbeOptions(): { check: Omit<ProbeCheckOptions, "signal" | "timeouts">; revealPassword: (sealed: string) => string } {
  const caFile = extraCaFile();
  const ca = existsSync(caFile) ? readFileSync(caFile, "utf8") : undefined;
  return { check: { lookup: systemLookup, ca }, revealPassword: openSecret };
}

export function extraCaFile(): string {
  return process.env.SWITCHYARD_EXTRA_CA_FILE ?? path.join(dataDir(), "lab-ca.pem");
}

/** Changes whenever the extra CA file appears, changes or goes away: long-running probers restart on it. */
export function probeOptionsVersion(): string {
  const caFile = extraCaFile();
  return existsSync(caFile) ? String(statSync(caFile).mtimeMs) : "none";
}
