// Shared by the browser form and the server, so no node: imports here.

export const PROXY_SCHEMES = ["http", "https", "socks5"] as const;
export type ProxyScheme = (typeof PROXY_SCHEMES)[number];

export interface ProxyAddress {
  scheme: ProxyScheme;
  /** Lower-case host name or IP literal; IPv6 without brackets. */
  host: string;
  port: number;
  /** "" when there are no credentials. */
  username: string;
  password: string;
}

export type FieldProblem = { field: "scheme" | "host" | "port" | "username" | "password" | "line"; message: string };
export type ParseResult = { ok: true; address: ProxyAddress } | { ok: false; problem: FieldProblem };

export const LIMITS = { host: 253, username: 255, password: 255, line: 1024 } as const;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv6(host: string): boolean {
  if (!host.includes(":") || !/^[0-9a-f:.%]+$/i.test(host)) return false;
  try {
    new URL(`http://[${host}]/`); // the WHATWG URL parser is a strict IPv6 validator on both sides
    return true;
  } catch {
    return false;
  }
}

const HOSTNAME_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
// C0 controls, DEL, C1 controls: never legitimate in a proxy address and dangerous in logs/UI.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function validateHost(raw: string): { ok: true; host: string } | { ok: false; message: string } {
  const host = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "") return { ok: false, message: "Host is empty." };
  if (CONTROL_CHARACTERS.test(host)) return { ok: false, message: "Host contains control characters." };
  if (host.length > LIMITS.host) return { ok: false, message: `Host is longer than ${LIMITS.host} characters.` };
  if (IPV4.test(host) || isIPv6(host)) return { ok: true, host };
  if (/^[\d.]+$/.test(host)) return { ok: false, message: `"${host}" is not a valid IPv4 address.` };
  const labels = host.replace(/\.$/, "").split(".");
  if (!labels.every((label) => HOSTNAME_LABEL.test(label))) {
    return { ok: false, message: `"${truncate(host)}" is not a valid host name or IP address.` };
  }
  return { ok: true, host: host.replace(/\.$/, "") };
}

export function validatePort(raw: string | number): { ok: true; port: number } | { ok: false; message: string } {
  const text = String(raw).trim();
  if (!/^\d{1,5}$/.test(text)) return { ok: false, message: `Port "${truncate(text)}" is not a number between 1 and 65535.` };
  const port = Number(text);
  if (port < 1 || port > 65535) return { ok: false, message: `Port ${port} is out of range (1–65535).` };
  return { ok: true, port };
}

function validateCredential(field: "username" | "password", value: string): FieldProblem | undefined {
  if (CONTROL_CHARACTERS.test(value)) return { field, message: `${capitalise(field)} contains control characters.` };
  if (value.length > LIMITS[field]) return { field, message: `${capitalise(field)} is longer than ${LIMITS[field]} characters.` };
  return undefined;
}

export function parseScheme(raw: string): ProxyScheme | undefined {
  const scheme = raw.toLowerCase();
  if (scheme === "socks" || scheme === "socks5h") return "socks5";
  return (PROXY_SCHEMES as readonly string[]).includes(scheme) ? (scheme as ProxyScheme) : undefined;
}

/** Builds a validated address from separate fields (the node form). */
export function buildProxyAddress(fields: {
  scheme: string;
  host: string;
  port: string | number;
  username?: string;
  password?: string;
}): ParseResult {
  const scheme = parseScheme(fields.scheme);
  if (!scheme) return fail("scheme", `Unknown scheme "${truncate(fields.scheme)}"; use http, https or socks5.`);
  const host = validateHost(fields.host);
  if (!host.ok) return fail("host", host.message);
  const port = validatePort(fields.port);
  if (!port.ok) return fail("port", port.message);
  const username = fields.username ?? "";
  const password = fields.password ?? "";
  const credentialProblem = validateCredential("username", username) ?? validateCredential("password", password);
  if (credentialProblem) return { ok: false, problem: credentialProblem };
  if (password !== "" && username === "") return fail("username", "A password was given without a user name.");
  return { ok: true, address: { scheme, host: host.host, port: port.port, username, password } };
}

/**
 * Parses one line in the formats operators actually have:
 *   host:port   host:port:user:pass   user:pass@host:port   scheme://[user:pass@]host:port
 * IPv6 hosts go in brackets. The colon form has exactly four fields: a fifth is refused, not
 * glued onto the password ("host:port:user:pa:ss" is ambiguous — a user name or a password with a
 * colon reads the same). Passwords with ":" use the URL form, where ":" may stand as is after the
 * user name or be escaped as %3A: user:pa:ss@host:port, http://user:pa%3Ass@host:port.
 */
export function parseProxyLine(rawLine: string, defaultScheme: ProxyScheme = "http"): ParseResult {
  const line = rawLine.trim();
  if (line.length > LIMITS.line) return fail("line", `Line is longer than ${LIMITS.line} characters.`);
  if (CONTROL_CHARACTERS.test(line)) return fail("line", "Line contains control characters.");
  if (line === "") return fail("line", "Line is empty.");

  let scheme: string = defaultScheme;
  let rest = line;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(line);
  if (schemeMatch) {
    scheme = schemeMatch[1];
    rest = line.slice(schemeMatch[0].length).replace(/\/$/, "");
    if (rest.includes("/")) return fail("line", "A proxy address has no path; remove everything after host:port.");
  }

  let username = "";
  let password = "";
  let hostPort = rest;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const credentials = rest.slice(0, at);
    hostPort = rest.slice(at + 1);
    const colon = credentials.indexOf(":");
    username = colon >= 0 ? credentials.slice(0, colon) : credentials;
    password = colon >= 0 ? credentials.slice(colon + 1) : "";
    if (schemeMatch) {
      const decoded = safeDecode(username, password);
      if (!decoded) return fail("line", "Credentials contain an invalid %-escape.");
      [username, password] = decoded;
    }
    if (username === "") return fail("username", "Credentials before @ have an empty user name.");
  }

  let host: string;
  let port: string;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0) return fail("host", "IPv6 address is missing its closing bracket.");
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (!after.startsWith(":")) return fail("port", "Port is missing after the IPv6 address.");
    const tail = after.slice(1).split(":");
    if (tail.length === 2) return fail("line", "Expected [host]:port:user:pass; found three fields.");
    if (tail.length > 3) return fail("line", TOO_MANY_FIELDS);
    if (tail.length === 3 && at >= 0) return fail("line", "Use either user:pass@host:port or host:port:user:pass, not both.");
    port = tail[0];
    if (tail.length === 3) {
      [username, password] = [tail[1], tail[2]];
      if (username === "") return fail("username", "User name is empty in host:port:user:pass.");
    }
  } else {
    const parts = hostPort.split(":");
    if (parts.length < 2) return fail("port", `Port is missing in "${truncate(hostPort)}" (expected host:port).`);
    if (parts.length === 3) return fail("line", "Expected host:port:user:pass; found three fields.");
    if (parts.length > 2 && at >= 0) return fail("line", "Use either user:pass@host:port or host:port:user:pass, not both.");
    host = parts[0];
    port = parts[1];
    if (parts.length > 4) return fail("line", TOO_MANY_FIELDS);
    if (parts.length === 4) {
      username = parts[2];
      password = parts[3];
      if (username === "") return fail("username", "User name is empty in host:port:user:pass.");
    }
  }
  return buildProxyAddress({ scheme, host, port, username, password });
}

const TOO_MANY_FIELDS =
  "More than four fields: host:port:user:pass cannot carry a ':' in the user name or password. Use the URL form, e.g. http://user:pa%3Ass@host:port.";

function safeDecode(username: string, password: string): [string, string] | undefined {
  try {
    return [decodeURIComponent(username), decodeURIComponent(password)];
  } catch {
    return undefined;
  }
}

/** The identity that makes two lines "the same node" (credentials' password excluded on purpose). */
export function proxyIdentityKey(address: Pick<ProxyAddress, "scheme" | "host" | "port" | "username">): string {
  return `${address.scheme}://${address.username}@${address.host}:${address.port}`;
}

/** host:port with IPv6 brackets, for display and URLs. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function fail(field: FieldProblem["field"], message: string): ParseResult {
  return { ok: false, problem: { field, message } };
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function capitalise(text: string): string {
  return text === "username" ? "User name" : text[0].toUpperCase() + text.slice(1);
}
