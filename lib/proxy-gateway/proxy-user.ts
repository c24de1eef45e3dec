/**
 * The proxy user name grammar (how commercial gateways do it): `key-value` pairs joined by `-`.
 *
 *   user    = pair *( "-" pair )
 *   pair    = key "-" value
 *   key     = "pool" | "session" | "tag"
 *   value   = 1*char, percent-decoded; it runs until the next "-pool-", "-session-" or "-tag-"
 *
 * So dashes inside values need no escaping (`pool-eu-west-session-a-1` is pool "eu-west",
 * session "a-1"); only a dash that would read as a separator — inside a value `-pool-`,
 * `-session-`, `-tag-`, or a value ending in `-pool`, `-session`, `-tag` before the next pair —
 * must be written `%2D` (formatProxyUser does that). Each key at most once. `pool` may be left out when the API key is restricted
 * to one pool (that pool is used). Pool names and ids both work (as in the checkout API).
 */
export interface ProxyUser {
  pool?: string;
  session?: string;
  tag?: string;
}

export const PROXY_USER_KEYS = ["pool", "session", "tag"] as const;
type ProxyUserKey = (typeof PROXY_USER_KEYS)[number];

const MAX_USER_LENGTH = 400;
const SEPARATOR = /(^|-)(pool|session|tag)-/g;

export class ProxyUserError extends Error {}

export function parseProxyUser(user: string): ProxyUser {
  if (user.length === 0) return {};
  if (user.length > MAX_USER_LENGTH) throw new ProxyUserError(`The proxy user name is longer than ${MAX_USER_LENGTH} characters.`);
  const marks: Array<{ key: ProxyUserKey; start: number; valueStart: number }> = [];
  for (const match of user.matchAll(SEPARATOR)) {
    // Overlapping separators ("tag-pool-x": value "pool-x"?) resolve left to right: a key needs a non-empty value before the next one.
    const start = match.index;
    const previous = marks[marks.length - 1];
    if (previous && start <= previous.valueStart) continue;
    marks.push({ key: match[2] as ProxyUserKey, start, valueStart: start + match[0].length });
  }
  if (marks.length === 0 || marks[0].start !== 0)
    throw new ProxyUserError(`The proxy user name must start with one of ${PROXY_USER_KEYS.map((k) => `"${k}-"`).join(", ")} (e.g. pool-scrapers-session-abc123-tag-eu).`);
  const out: ProxyUser = {};
  marks.forEach((mark, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].start : user.length;
    const raw = user.slice(mark.valueStart, end);
    if (!raw) throw new ProxyUserError(`"${mark.key}" in the proxy user name has no value.`);
    if (out[mark.key] !== undefined) throw new ProxyUserError(`"${mark.key}" appears twice in the proxy user name.`);
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw new ProxyUserError(`"${mark.key}" in the proxy user name has a broken %-escape.`);
    }
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new ProxyUserError(`"${mark.key}" in the proxy user name contains control characters.`);
    out[mark.key] = mark.key === "tag" ? value.trim().toLowerCase() : value;
  });
  if (out.session !== undefined && out.session.length > 200) throw new ProxyUserError("The session key is longer than 200 characters.");
  return out;
}

/** The inverse (docs, tests, clients): percent-escapes only what the grammar needs. */
export function formatProxyUser(user: ProxyUser): string {
  const escape = (value: string) => encodeURIComponent(value).replace(/%2D/gi, "-").replace(/-(?=(pool|session|tag)(-|$))/g, "%2D").replace(/^(pool|session|tag)-/, (m) => m.replace("-", "%2D"));
  return PROXY_USER_KEYS.filter((key) => user[key] !== undefined).map((key) => `${key}-${escape(user[key]!)}`).join("-");
}
