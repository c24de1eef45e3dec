import type { IncomingMessage, ServerResponse } from "node:http";
import { currentDatabaseOutage, OUTAGE_RETRY_AFTER_SECONDS } from "@/lib/db/database-outage";

// Answered even while the database is away: they need no database (the build's static files) or
// report the outage themselves (/api/health). The checkout fast path runs before this one.
const SERVED_DURING_OUTAGE = /^\/(_next\/static\/|favicon\.ico|api\/health(?:\?|$)|api\/v1\/openapi\.json(?:\?|$))/;

/**
 * A fast path (lib/server/web-server.ts) that answers 503 with Retry-After at once while the
 * database monitor (lib/db/database-outage.ts) reports an outage, instead of letting a page or
 * route wait for a connection and fail with 500: the error table's shape for /api/*, a plain page
 * for everything else. Answers nothing (false) while the database is up.
 */
export function answerDuringDatabaseOutage(req: IncomingMessage, res: ServerResponse): boolean {
  if (!currentDatabaseOutage()) return false;
  const url = req.url ?? "/";
  if (SERVED_DURING_OUTAGE.test(url)) return false;
  sendDatabaseUnavailable(res, url.startsWith("/api/"));
  return true;
}

export function sendDatabaseUnavailable(res: ServerResponse, json: boolean): void {
  const headers = { "retry-after": String(OUTAGE_RETRY_AFTER_SECONDS), "cache-control": "no-store", "x-content-type-options": "nosniff" };
  if (json) {
    const body = JSON.stringify({
      error: { code: "service_unavailable", message: "The database is unavailable; try again shortly.", details: { retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS } },
    });
    res.writeHead(503, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  // No script, no external resource: the browser retries on its own through the refresh header.
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${OUTAGE_RETRY_AFTER_SECONDS}"><title>Switchyard: database unavailable</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Switchyard cannot reach its database</h1>
<p>Nothing you saved is lost. This page reloads by itself every ${OUTAGE_RETRY_AFTER_SECONDS} seconds and shows Switchyard again as soon as the database is back.</p>
<p>Programs checking out proxies keep being served from the last known pool for a limited time (see the README, "What survives a crash or an outage").</p>
</body></html>
`;
  res.writeHead(503, { ...headers, "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(page), "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" });
  res.end(page);
}
