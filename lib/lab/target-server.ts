import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { labCertificate } from "./self-signed-cert";
import { ServerLifecycle } from "./server-lifecycle";

/** Paths every lab target answers; the probe tests and the demo pool's targets use these. */
export const TARGET_PATHS = {
  ok: "/ok",
  ipEcho: "/ip",
  slowHeaders: "/slow-headers", // ?ms=N before the status line
  slowBody: "/slow-body", // ?ms=N between headers and body
  status: "/status/", // /status/502 answers that status itself
  forbidden: "/blocked/403",
  tooMany: "/blocked/429",
  captcha: "/captcha", // 200 with a challenge page
  captcha403: "/captcha-403",
  reset: "/reset", // partial body, then the socket is destroyed
  invalid: "/invalid", // garbage instead of a status line
  denyFrom: "/deny-from", // ?ip=A (repeatable): 403 to requests from A, 200 to others (a site that blocked one exit)
} as const;

export const CAPTCHA_BODY =
  '<html><head><title>Just a moment...</title></head><body><div class="g-recaptcha captcha-challenge">Are you a robot? Complete the captcha challenge.</div></body></html>';

const SERVER_HEADER = "lab-target";

function delayQuery(url: URL, fallback: number): number {
  const ms = Number(url.searchParams.get("ms"));
  return Number.isFinite(ms) && ms > 0 ? ms : fallback;
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://target");
  const path = url.pathname;
  const send = (status: number, body: string, type = "text/plain") => {
    response.writeHead(status, { "content-type": type, server: SERVER_HEADER, "content-length": Buffer.byteLength(body) });
    response.end(body);
  };
  // A timer must not outlive a socket that the client already gave up on.
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(fn, ms);
    response.once("close", () => clearTimeout(timer));
  };

  if (path === TARGET_PATHS.ok || path === "/") return send(200, "<html><body>switchyard lab target: ok</body></html>", "text/html");
  if (path === TARGET_PATHS.ipEcho) {
    const ip = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    return send(200, JSON.stringify({ ip }), "application/json");
  }
  if (path === TARGET_PATHS.denyFrom) {
    const from = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    if (url.searchParams.getAll("ip").includes(from)) return send(403, "<html><body>Access denied: requests from your address are blocked.</body></html>", "text/html");
    return send(200, "<html><body>switchyard lab target: ok</body></html>", "text/html");
  }
  if (path === TARGET_PATHS.slowHeaders) return later(delayQuery(url, 2000), () => send(200, "slow headers done"));
  if (path === TARGET_PATHS.slowBody) {
    response.writeHead(200, { "content-type": "text/plain", server: SERVER_HEADER });
    response.write("slow body starts...");
    return later(delayQuery(url, 2000), () => response.end("...and ends"));
  }
  if (path.startsWith(TARGET_PATHS.status)) {
    const status = Number(path.slice(TARGET_PATHS.status.length));
    return send(status >= 200 && status <= 599 ? status : 400, `target says ${status}`);
  }
  if (path === TARGET_PATHS.forbidden) return send(403, "Forbidden");
  if (path === TARGET_PATHS.tooMany) {
    response.setHeader("retry-after", "30");
    return send(429, "Too Many Requests");
  }
  if (path === TARGET_PATHS.captcha) return send(200, CAPTCHA_BODY, "text/html");
  if (path === TARGET_PATHS.captcha403) return send(403, CAPTCHA_BODY, "text/html");
  if (path === TARGET_PATHS.reset) {
    response.writeHead(200, { "content-type": "text/plain", "content-length": 10_000, server: SERVER_HEADER });
    response.write("partial body ".repeat(20));
    return later(20, () => response.socket?.destroy());
  }
  if (path === TARGET_PATHS.invalid) {
    const socket = request.socket;
    socket.write("\x00\x13garbage that is not HTTP\r\n\r\n");
    return later(5, () => socket.destroy());
  }
  send(404, "no such lab path");
}

export interface LabTargetServer {
  kind: "http" | "https";
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startTargetServer(kind: "http" | "https", port = 0): Promise<LabTargetServer> {
  const server =
    kind === "https" ? createHttpsServer({ cert: labCertificate().certPem, key: labCertificate().keyPem }, handle) : createHttpServer(handle);
  server.keepAliveTimeout = 5_000;
  const lifecycle = new ServerLifecycle(server);
  const boundPort = await lifecycle.listen(port);
  return { kind, port: boundPort, baseUrl: `${kind}://127.0.0.1:${boundPort}`, close: () => lifecycle.close() };
}
