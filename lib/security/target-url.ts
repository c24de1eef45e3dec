import { addressAllowed, addressPolicyFromSetting, classifyHost, type AddressPolicy } from "./address-policy";

/** Why a probe target URL was refused; the message is safe to show to the operator. */
export class TargetUrlError extends Error {}

/**
 * The same text for every refused address class (and for a name that resolves into one), so the
 * answer never tells which internal range or port is there.
 */
export const ADDRESS_REFUSED = "This address is not allowed as a target (internal address ranges are refused).";

/** What a URL Switchyard or its proxies are sent to must satisfy besides being a plain http(s) URL. */
export interface TargetUrlRules {
  /** SWITCHYARD_TARGET_ALLOWLIST host patterns; empty or undefined = any host. */
  allowList?: readonly string[];
  /** Address classes (lib/security/address-policy.ts); undefined = not checked (the browser's pre-check). */
  addresses?: AddressPolicy;
}

/**
 * The server's rules from the environment: SWITCHYARD_TARGET_ALLOWLIST and
 * SWITCHYARD_ALLOW_PRIVATE_TARGETS. In the browser (shared form schemas) only the syntax is
 * checked; the server action checks again with these.
 */
export function targetUrlRulesFromEnv(): TargetUrlRules {
  if (typeof window !== "undefined" || typeof process === "undefined") return {};
  const raw = process.env.SWITCHYARD_TARGET_ALLOWLIST;
  return {
    allowList: raw ? raw.split(",").map((entry) => entry.trim()).filter(Boolean) : undefined,
    addresses: addressPolicyFromSetting(process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS),
  };
}

/** Throws TargetUrlError (the generic text) when an IP the host resolved to is outside the policy. */
export function assertResolvedAddressAllowed(address: string, rules: TargetUrlRules): void {
  const kind = classifyHost(address);
  if (rules.addresses && (kind === undefined || !addressAllowed(kind, rules.addresses))) throw new TargetUrlError(ADDRESS_REFUSED);
}

export const TARGET_URL_MAX_LENGTH = 2048;

/**
 * Checks a probe-target URL an operator typed: absolute http(s) only (no file:, javascript:,
 * data:, ftp: …), no user:password@ part, a host present, at most 2048 characters, no control
 * characters or spaces. With an allow-list, the host must match one of its patterns: "example.com"
 * (exactly), "*.example.com" (any sub-domain, not the apex) or "*" (anything). With an address
 * policy, an IP-literal or localhost host must be in an allowed class (names are resolved by the
 * proxy, or by the caller before connecting: assertResolvedAddressAllowed). Returns the parsed
 * URL; throws TargetUrlError with the reason otherwise.
 */
export function validateTargetUrl(input: unknown, rules: TargetUrlRules = {}): URL {
  const { allowList } = rules;
  if (typeof input !== "string") throw new TargetUrlError("Enter a URL.");
  const text = input.trim();
  if (text.length === 0) throw new TargetUrlError("Enter a URL.");
  if (text.length > TARGET_URL_MAX_LENGTH) throw new TargetUrlError(`The URL is too long (${TARGET_URL_MAX_LENGTH} characters at most).`);
  if (/[\u0000-\u0020\u007f-\u009f]/.test(text)) throw new TargetUrlError("The URL may not contain spaces or control characters.");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw new TargetUrlError("The URL must start with http:// or https://.");
  if (scheme !== "http" && scheme !== "https") throw new TargetUrlError(`Only http and https URLs can be probed, not ${scheme}:.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetUrlError("That is not a valid URL.");
  }
  if (!/^https?:\/\//i.test(text)) throw new TargetUrlError("The URL must start with http:// or https://.");
  if (url.username || url.password || /^https?:\/\/[^/?#]*@/i.test(text)) throw new TargetUrlError("The URL may not contain a user name or password.");
  if (!url.hostname) throw new TargetUrlError("The URL has no host.");
  if (allowList && allowList.length > 0 && !hostAllowed(url.hostname, allowList)) {
    throw new TargetUrlError(`The host ${url.hostname} is not on the allowed target list.`);
  }
  const kind = classifyHost(url.hostname);
  if (rules.addresses && kind !== undefined && !addressAllowed(kind, rules.addresses)) throw new TargetUrlError(ADDRESS_REFUSED);
  return url;
}

/** Whether a (lower-case, punycode) host matches an allow-list pattern. */
export function hostAllowed(hostname: string, allowList: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return allowList.some((raw) => {
    const pattern = raw.trim().toLowerCase().replace(/\.$/, "");
    if (pattern === "*") return true;
    if (pattern.startsWith("*.")) {
      const suffix = pattern.slice(1);
      return host.endsWith(suffix) && host.length > suffix.length;
    }
    return pattern.length > 0 && host === pattern;
  });
}
