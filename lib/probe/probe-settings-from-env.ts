import { readFileSync, statSync } from "node:fs";
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
 * `ca` is read when a check starts (each check copies the options), not when the options are made:
 * the lab writes its CA while `npm start` already runs, and the very next check must trust it.
 */
export function productProbeOptions(): { check: Omit<ProbeCheckOptions, "signal" | "timeouts">; revealPassword: (sealed: string) => string } {
  return {
    check: {
      lookup: systemLookup,
      get ca() {
        return currentExtraCa();
      },
    },
    revealPassword: openSecret,
  };
}

export function extraCaFile(): string {
  return process.env.SWITCHYARD_EXTRA_CA_FILE ?? path.join(dataDir(), "lab-ca.pem");
}

let extraCa: { file: string; version: string; pem: string | undefined } | undefined;

/** The extra CA file's text as of now (one stat per call; re-read only when it appears, changes or goes away). */
export function currentExtraCa(): string | undefined {
  const file = extraCaFile();
  const version = fileVersion(file);
  if (extraCa?.file !== file || extraCa.version !== version) {
    let pem: string | undefined;
    try {
      pem = version === "none" ? undefined : readFileSync(file, "utf8");
    } catch {
      pem = undefined; // removed between stat and read: trust nothing extra this time
    }
    extraCa = { file, version, pem };
  }
  return extraCa.pem;
}

function fileVersion(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return "none";
  }
}
