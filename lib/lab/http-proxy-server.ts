import { Agent, createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Server, Socket } from "node:net";
import { LabProxy, type LabProxyKind, type LabProxyOptions } from "./lab-proxy";
import { labCertificate } from "./self-signed-cert";

/** RFC 9209 error types this proxy reports in Proxy-Status on its own error answers. */
type ProxyErrorType = "destination_unavailable" | "dns_error" | "connection_timeout" | "http_response_incomplete" | "proxy_internal_error";

/**
 * Idle upstream sockets are closed by us before the target's keep-alive timeout (Node's 5 s) closes
 * them: otherwise a request sent on a socket the target is closing at that moment fails with a reset.
 */
const UPSTREAM_IDLE_MS = 4_000;

/** Hop-by-hop headers (RFC 9110 §7.6.1) a proxy must not forward. */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authorization", "proxy-connection", "proxy-authenticate", "te", "trailer", "upgrade"];

const REASONS: Record<number, string> = { 403: "Forbidden", 405: "Method Not Allowed", 407: "Proxy Authentication Required", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** What a misconfigured or cheap gateway sends: its own error, no Proxy-Status, no Via, maybe dressed as nginx. */
function unmarkedAnswer(status: number, page: "plain" | "nginx" = "plain"): string {
  const title = `${status} ${REASONS[status] ?? "Error"}`;
  const body =
    page === "nginx"
      ? `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
      : `${title}\n`;
  const server = page === "nginx" ? "nginx" : "gateway";
  return `HTTP/1.1 ${title}\r\nServer: ${server}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

const GARBAGE = "SSH-2.0-OpenSSH_9.2 not a proxy\r\n\r\n";

/**
 * A forward proxy on node:http: absolute-form requests and CONNECT tunnels, Basic proxy auth,
 * fault behaviours, and a per-proxy source address upstream. Its own error answers carry
 * Proxy-Status/X-Lab-Proxy headers (as Squid's carry X-Squid-Error); answers it merely relays
 * get only a Via header, so the probe classifier can tell the two apart.
 */
export class LabHttpProxy extends LabProxy {
  readonly kind: LabProxyKind;

  constructor(options: LabProxyOptions & { tls?: boolean }) {
    super(options);
    this.kind = options.tls ? "https" : "http";
  }

  // Upstream keep-alive per exit address, as real proxies pool upstream connections;
  // a new agent after rotate() so the next request really leaves from the new address.
  private upstreamAgent: { exitIp: string; agent: Agent } | undefined;

  private agentForExit(): Agent {
    if (this.upstreamAgent?.exitIp !== this.exitIp) {
      this.upstreamAgent?.agent.destroy();
      this.upstreamAgent = { exitIp: this.exitIp, agent: new Agent({ keepAlive: true, maxFreeSockets: 256, localAddress: this.exitIp, timeout: UPSTREAM_IDLE_MS }) };
    }
    return this.upstreamAgent.agent;
  }

  override async stop(): Promise<void> {
    this.upstreamAgent?.agent.destroy();
    this.upstreamAgent = undefined;
    await super.stop();
  }

  protected createServer(): Server {
    const server =
      this.kind === "https" ? createHttpsServer({ cert: labCertificate().certPem, key: labCertificate().keyPem }) : createHttpServer();
    server.on("request", (request: IncomingMessage, response: ServerResponse) => void this.forward(request, response));
    server.on("connect", (request: IncomingMessage, socket: Socket, head: Buffer) => void this.tunnel(request, socket, head));
    server.on("clientError", (_error, socket: Socket) => socket.destroy());
    return server;
  }

  private get via(): string {
    return `1.1 ${this.name} (lab-proxy)`;
  }

  /** Headers + body of an answer the proxy makes itself. */
  private ownAnswer(status: number, error: ProxyErrorType | undefined, detail: string) {
    const body = `<html><body><h1>${status} ${REASONS[status] ?? ""}</h1><p>lab-proxy ${this.name}: ${detail}</p></body></html>`;
    const headers: Record<string, string> = {
      server: "lab-proxy",
      via: this.via,
      "x-lab-proxy": this.name,
      "content-type": "text/html",
      "content-length": String(Buffer.byteLength(body)),
      connection: "close",
    };
    if (error) headers["proxy-status"] = `${this.name}; error=${error}; details="${detail.replace(/"/g, "'")}"`;
    if (status === 407) headers["proxy-authenticate"] = 'Basic realm="switchyard-lab"';
    return { headers, body };
  }

  private authorised(request: IncomingMessage): boolean {
    if (!this.auth) return true;
    const header = request.headers["proxy-authorization"] ?? "";
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (!match) return false;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 && this.credentialsMatch(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const answer = (status: number, error: ProxyErrorType | undefined, detail: string) => {
      if (response.headersSent) return void response.socket?.destroy();
      const { headers, body } = this.ownAnswer(status, error, detail);
      response.writeHead(status, REASONS[status], headers).end(body);
    };
    // The target failed or stayed silent: a proxy that does not say so just closes the connection.
    const upstreamFailed = (status: number, error: ProxyErrorType, detail: string) =>
      this.behaviour.kind === "silent_upstream_errors" ? void response.socket?.destroy() : answer(status, error, detail);
    if (!this.authorised(request)) return answer(407, undefined, "proxy authentication required");
    const decision = await this.gate.decide(false);
    if (decision === "hang") return this.hang(request.socket);
    if (decision === "fail") return answer(502, "proxy_internal_error", "upstream failure (injected)");
    if (decision === "timeout") return void setTimeout(() => answer(504, "connection_timeout", "exit peer did not answer (injected)"), this.upstreamTimeoutMs);
    if (decision === "unmarked" && this.behaviour.kind === "unmarked_error") return void response.socket?.end(unmarkedAnswer(this.behaviour.status, this.behaviour.page));
    if (decision === "garbage") return void response.socket?.end(GARBAGE);
    if (decision === "dead_parent") return answer(502, "destination_unavailable", "parent proxy 127.0.0.1:9 refused the connection");

    let target: URL;
    try {
      target = new URL(request.url ?? "");
      if (target.protocol !== "http:") throw new Error("not http");
    } catch {
      return answer(502, "proxy_internal_error", "request target is not an absolute http:// URL");
    }
    let address: string;
    try {
      address = await this.resolve(target.hostname);
    } catch (error) {
      return answer(502, "dns_error", (error as Error).message);
    }

    const headers = { ...request.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = httpRequest({
      host: address,
      port: Number(target.port || 80),
      method: request.method,
      path: target.pathname + target.search,
      headers,
      agent: this.agentForExit(),
    });
    const timer = setTimeout(() => {
      upstream.destroy();
      upstreamFailed(504, "connection_timeout", `upstream ${target.host} did not answer within ${this.upstreamTimeoutMs} ms`);
    }, this.upstreamTimeoutMs);
    response.once("close", () => {
      clearTimeout(timer);
      upstream.destroy();
    });
    upstream.on("response", (upstreamResponse) => {
      clearTimeout(timer);
      const relayed = { ...upstreamResponse.headers };
      for (const name of HOP_BY_HOP) delete relayed[name];
      relayed.via = upstreamResponse.headers.via ? `${upstreamResponse.headers.via}, ${this.via}` : this.via;
      response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, relayed);
      upstreamResponse.pipe(response);
      // A target that dies mid-body must look like a reset to the client too, not a clean end.
      upstreamResponse.on("aborted", () => response.socket?.destroy());
      upstreamResponse.on("error", () => response.socket?.destroy());
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ECONNREFUSED") return upstreamFailed(502, "destination_unavailable", `upstream ${target.host} refused the connection`);
      if (error.code?.startsWith("HPE_")) return upstreamFailed(502, "http_response_incomplete", `invalid response from upstream ${target.host}`);
      upstreamFailed(502, "destination_unavailable", `upstream ${target.host} failed: ${error.code ?? error.message}`);
    });
    request.pipe(upstream);
  }

  private async tunnel(request: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    client.on("error", () => client.destroy());
    const answer = (status: number, error: ProxyErrorType | undefined, detail: string) => {
      const { headers, body } = this.ownAnswer(status, error, detail);
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
      client.end(`HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n${lines.join("\r\n")}\r\n\r\n${body}`);
    };
    if (!this.authorised(request)) return answer(407, undefined, "proxy authentication required");
    const decision = await this.gate.decide(true);
    if (decision === "hang") return this.hang(client);
    if (decision === "fail") return answer(502, "proxy_internal_error", "upstream failure (injected)");
    if (decision === "timeout") return void setTimeout(() => answer(504, "connection_timeout", "exit peer did not answer (injected)"), this.upstreamTimeoutMs);
    if (decision === "unmarked" && this.behaviour.kind === "unmarked_error") return void client.end(unmarkedAnswer(this.behaviour.status, this.behaviour.page));
    if (decision === "garbage") return void client.end(GARBAGE);
    if (decision === "dead_parent") return answer(502, "destination_unavailable", "parent proxy 127.0.0.1:9 refused the connection");
    if (decision === "reset_after_connect") return void client.write("HTTP/1.1 200 Connection Established\r\n\r\n", () => client.resetAndDestroy());
    if (decision === "refuse_tunnel") {
      const status = this.behaviour.kind === "tunnel_refused" ? (this.behaviour.status ?? 403) : 403;
      return answer(status, undefined, "CONNECT not allowed by policy");
    }

    const authority = request.url ?? "";
    const colon = authority.lastIndexOf(":");
    const host = authority.slice(0, colon);
    const port = Number(authority.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port)) return answer(502, "proxy_internal_error", `bad CONNECT authority ${authority}`);

    await this.openTunnel(client, host, port, {
      opened: (upstream) => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length) upstream.write(head);
      },
      failed: (failure) => {
        if (failure.kind === "timeout") return answer(504, "connection_timeout", `upstream ${authority} not reached within ${this.upstreamTimeoutMs} ms`);
        if (failure.kind === "dns") return answer(502, "dns_error", failure.message);
        answer(502, "destination_unavailable", `upstream ${authority} failed: ${failure.code ?? failure.message}`);
      },
    });
  }
}
