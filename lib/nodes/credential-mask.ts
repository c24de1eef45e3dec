import { formatHostPort } from "./proxy-address";

/** Shows enough of a user name to tell nodes apart, never the whole of it. */
export function maskUsername(username: string): string {
  if (username === "") return "";
  if (username.length <= 4) return `${username[0]}***`;
  return `${username.slice(0, 3)}***`;
}

/** scheme://us***:****@host:port: what the browser and logs may show of a node's address. */
export function maskedProxyUrl(node: { scheme: string; host: string; port: number; username: string; hasPassword: boolean }): string {
  const credentials = node.username ? `${maskUsername(node.username)}${node.hasPassword ? ":****" : ""}@` : "";
  return `${node.scheme}://${credentials}${formatHostPort(node.host, node.port)}`;
}
