/** Why a probe target URL was refused; the message is safe to show to the operator. */
export class TargetUrlError extends Error {}

export const TARGET_URL_MAX_LENGTH = 2048;

/**
 * Checks a probe-target URL an operator typed: absolute http(s) only (no file:, javascript:,
 * data:, ftp: …), no user:password@ part, a host present, at most 2048 characters, no control
 * characters or spaces. With an allow-list, the host must match one of its patterns: "example.com"
 * (exactly), "*.example.com" (any sub-domain, not the apex) or "*" (anything). Returns the parsed
 * URL; throws TargetUrlError with the reason otherwise.
 */
export function validateTargetUrl(input: unknown, allowList?: readonly string[]): URL {
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
