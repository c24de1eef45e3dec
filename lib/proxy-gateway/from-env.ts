import { existsSync, readFileSync } from "node:fs";
import type { Gateway } from "@/lib/gateway/gateway";
import { extraCaFile } from "@/lib/probe/probe-settings-from-env";
import { systemLookup } from "@/lib/probe/system-lookup";
import { ProxyGateway } from "./proxy-gateway";

function portFrom(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name} must be a port number (0–65535), not "${raw}".`);
  return port;
}

/**
 * Starts the forward-proxy gateway when SWITCHYARD_GATEWAY_PORT is set (off otherwise), with
 * SOCKS5 on SWITCHYARD_GATEWAY_SOCKS_PORT when that is set too, bound to SWITCHYARD_GATEWAY_HOST
 * (default SWITCHYARD_HOST, default 127.0.0.1). Node names resolve through the system resolver
 * (SWITCHYARD_DNS=off refuses them); HTTPS nodes are verified with the extra CA file if present.
 */
export async function startProxyGatewayFromEnv(gateway: Gateway, log: (line: string) => void): Promise<ProxyGateway | undefined> {
  const port = portFrom("SWITCHYARD_GATEWAY_PORT");
  if (port === undefined) return undefined;
  const socksPort = portFrom("SWITCHYARD_GATEWAY_SOCKS_PORT");
  const host = process.env.SWITCHYARD_GATEWAY_HOST ?? process.env.SWITCHYARD_HOST ?? "127.0.0.1";
  const caFile = extraCaFile();
  const proxyGateway = new ProxyGateway({ gateway, host, port, socksPort, lookup: systemLookup, ca: existsSync(caFile) ? readFileSync(caFile, "utf8") : undefined, log });
  const bound = await proxyGateway.start();
  log(`gateway: forward proxy on http://${host}:${bound.port}${bound.socksPort !== undefined ? `, SOCKS5 on ${host}:${bound.socksPort}` : ""}`);
  return proxyGateway;
}
