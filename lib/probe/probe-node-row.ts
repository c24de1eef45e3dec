import type { ProbeNode } from "./probe-check";

/** Unseals a node's stored password (lib/secrets). The engine itself never decrypts. */
export type RevealPassword = (passwordSealed: string) => string;

export interface ProxyNodeRow {
  id: string;
  scheme: "http" | "https" | "socks5";
  host: string;
  port: number;
  username: string;
  passwordSealed: string | null;
}

export const PROXY_NODE_ROW_SELECT = { id: true, scheme: true, host: true, port: true, username: true, passwordSealed: true } as const;

/** A stored node as the engine wants it: clear password via the caller's revealer. */
export function toProbeNode(row: ProxyNodeRow, revealPassword?: RevealPassword): ProbeNode {
  let password: string | undefined;
  if (row.passwordSealed) {
    if (!revealPassword) throw new Error(`node ${row.id} has a sealed password but no revealPassword was given`);
    password = revealPassword(row.passwordSealed);
  }
  return { id: row.id, scheme: row.scheme, host: row.host, port: row.port, username: row.username || undefined, password };
}
