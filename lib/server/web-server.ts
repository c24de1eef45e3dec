import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import next from "next";
import { noteDatabaseError } from "@/lib/db/database-outage";
import { answerClientError } from "@/lib/http/client-error";
import { sendDatabaseUnavailable } from "./database-outage-answer";

/**
 * A handler that may answer a request before Next.js sees it (the REST gateway's hot paths live
 * here: Next's router costs ~430 µs CPU per request). Returns true when it answered.
 */
export type FastPathHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface WebServer {
  server: Server;
  close(): Promise<void>;
}

/**
 * The server's request pipeline: fast paths in order, then the fallback (Next.js). An error that
 * escapes becomes 503 when the database is away (the client may retry), 500 otherwise.
 */
export function createRequestListener(
  fastPaths: FastPathHandler[],
  fallback: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    // Rate limits and audit use the client address from X-Forwarded-For. Unless a trusted reverse
    // proxy sets it (SWITCHYARD_TRUST_PROXY=1), a client could forge it, so the socket's own
    // address replaces whatever the client sent.
    if (process.env.SWITCHYARD_TRUST_PROXY !== "1") req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    try {
      for (const fastPath of fastPaths) if (await fastPath(req, res)) return;
      await fallback(req, res);
    } catch (error) {
      if (noteDatabaseError(error) && !res.headersSent) return sendDatabaseUnavailable(res, (req.url ?? "").startsWith("/api/"));
      console.error("web: unhandled error", error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal_server_error", message: "Internal server error.", details: null } }));
    }
  };
}

export async function startWebServer(options: {
  port: number;
  hostname: string;
  projectRoot: string;
  fastPaths?: FastPathHandler[];
  /** next dev (npm run dev): compiles on request and hot-reloads the browser; no production build needed. */
  dev?: boolean;
}): Promise<WebServer> {
  const app = next({ dev: options.dev ?? false, dir: options.projectRoot, hostname: options.hostname, port: options.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = createServer(createRequestListener(options.fastPaths ?? [], (req, res) => handle(req, res)));
  server.on("clientError", answerClientError);
  // Hot reload talks to the browser over a WebSocket upgrade of this same server. Upgraded
  // sockets are no longer the server's connections, so close() ends them itself.
  const upgraded = new Set<Duplex>();
  if (options.dev) {
    const upgrade = app.getUpgradeHandler();
    server.on("upgrade", (req, socket, head) => {
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
      void upgrade(req, socket, head).catch(() => socket.destroy());
    });
  }
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const socket of upgraded) socket.destroy();
        // In-flight requests get a grace period, then their sockets are cut.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      }),
  };
}
