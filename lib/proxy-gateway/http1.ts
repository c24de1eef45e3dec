/**
 * The few HTTP/1.1 byte-level pieces the gateway's plain-HTTP fast path needs (fast-path.ts):
 * find and split a message head, rewrite header blocks, and tell where a response body ends
 * without decoding it (Content-Length, chunked, or until the connection closes), so the body's
 * bytes are relayed as they come. Anything unusual is left to node:http (see isFastPathRequest).
 */

export const HEAD_END = Buffer.from("\r\n\r\n");
/** Larger heads are left to node:http (which answers 431). */
export const MAX_HEAD_BYTES = 64 * 1024;

// RFC 9110 §7.6.1 hop-by-hop fields plus the proxy's own; never forwarded in either direction.
export const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);

export interface HeaderLine {
  /** Lower-case field name. */
  name: string;
  /** The whole line as received ("Name: value"). */
  line: string;
  value: string;
}

export interface ParsedHead {
  /** Request: method; response: the HTTP version. */
  first: string;
  /** Request: the request target; response: the status code text. */
  second: string;
  /** Request: the HTTP version; response: the reason phrase. */
  third: string;
  headers: HeaderLine[];
}

/** Splits a message head (without the final CRLFCRLF). undefined when it is not well-formed. */
export function parseHead(head: string): ParsedHead | undefined {
  const lines = head.split("\r\n");
  const start = lines[0];
  const a = start.indexOf(" ");
  if (a <= 0) return undefined;
  const b = start.indexOf(" ", a + 1);
  const first = start.slice(0, a);
  const second = b < 0 ? start.slice(a + 1) : start.slice(a + 1, b);
  const third = b < 0 ? "" : start.slice(b + 1);
  const headers: HeaderLine[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    // No colon, an empty name, or obsolete line folding (leading white space): not for the fast path.
    if (colon <= 0) return undefined;
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    if (name.charCodeAt(name.length - 1) === 32) return undefined;
    headers.push({ name, line, value: line.slice(colon + 1).trim() });
  }
  return { first, second, third, headers };
}

/** Field names listed in Connection (they are hop-by-hop too). */
export function connectionTokens(headers: HeaderLine[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (const h of headers)
    if (h.name === "connection" || h.name === "proxy-connection")
      for (const token of h.value.toLowerCase().split(",")) {
        const t = token.trim();
        if (t) (tokens ??= new Set()).add(t);
      }
  return tokens;
}

/** The header lines a hop forwards: without hop-by-hop fields, the ones Connection names, and `skip`. */
export function forwardedLines(headers: HeaderLine[], skip?: (name: string) => boolean): string {
  const named = connectionTokens(headers);
  let out = "";
  for (const h of headers) {
    if (HOP_BY_HOP.has(h.name) || named?.has(h.name) || skip?.(h.name)) continue;
    out += `${h.line}\r\n`;
  }
  return out;
}

/** Response fields as node:http would give them (for the classifier; only built for error answers). */
export function headerObject(headers: HeaderLine[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) out[h.name] = out[h.name] === undefined ? h.value : `${out[h.name]}, ${h.value}`;
  return out;
}

/** How a response body is delimited (RFC 9112 §6.3). */
export type BodyFraming = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

export function responseFraming(status: number, requestMethod: string, headers: HeaderLine[]): BodyFraming | undefined {
  if (requestMethod === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) return { kind: "none" };
  let length: number | undefined;
  let codings: string | undefined;
  for (const h of headers) {
    if (h.name === "transfer-encoding") codings = codings === undefined ? h.value : `${codings}, ${h.value}`;
    else if (h.name === "content-length") {
      if (!/^\d{1,15}$/.test(h.value) || (length !== undefined && length !== Number(h.value))) return undefined;
      length = Number(h.value);
    }
  }
  if (codings !== undefined) return /(?:^|,)\s*chunked\s*$/i.test(codings) ? { kind: "chunked" } : { kind: "close" };
  if (length !== undefined) return length === 0 ? { kind: "none" } : { kind: "length", length };
  return { kind: "close" };
}

const enum ChunkState {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  EndLf,
  Done,
}

/**
 * Follows a chunked body's framing over the raw bytes without decoding it. feed() returns how
 * many bytes of the chunk belong to the body (all of them until the end is reached), or -1 when
 * the framing is broken.
 */
export class ChunkedEnd {
  private state = ChunkState.Size;
  private size = 0;
  private digits = 0;

  get done(): boolean {
    return this.state === ChunkState.Done;
  }

  feed(chunk: Buffer, from = 0): number {
    let i = from;
    const n = chunk.length;
    while (i < n) {
      const c = chunk[i];
      switch (this.state) {
        case ChunkState.Size: {
          const v = c >= 48 && c <= 57 ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
          if (v >= 0) {
            if (++this.digits > 12) return -1;
            this.size = this.size * 16 + v;
          } else if (this.digits === 0) return -1;
          else if (c === 13) this.state = ChunkState.SizeLf;
          else if (c === 59 || c === 32 || c === 9) this.state = ChunkState.Extension;
          else return -1;
          i++;
          break;
        }
        case ChunkState.Extension:
          if (c === 13) this.state = ChunkState.SizeLf;
          i++;
          break;
        case ChunkState.SizeLf:
          if (c !== 10) return -1;
          i++;
          this.state = this.size === 0 ? ChunkState.TrailerStart : ChunkState.Data;
          break;
        case ChunkState.Data: {
          const take = Math.min(this.size, n - i);
          i += take;
          this.size -= take;
          if (this.size === 0) this.state = ChunkState.DataCr;
          break;
        }
        case ChunkState.DataCr:
          if (c !== 13) return -1;
          this.state = ChunkState.DataLf;
          i++;
          break;
        case ChunkState.DataLf:
          if (c !== 10) return -1;
          this.state = ChunkState.Size;
          this.digits = 0;
          i++;
          break;
        case ChunkState.TrailerStart:
          this.state = c === 13 ? ChunkState.EndLf : ChunkState.TrailerLine;
          i++;
          break;
        case ChunkState.TrailerLine:
          if (c === 13) this.state = ChunkState.TrailerLf;
          i++;
          break;
        case ChunkState.TrailerLf:
          if (c !== 10) return -1;
          this.state = ChunkState.TrailerStart;
          i++;
          break;
        case ChunkState.EndLf:
          if (c !== 10) return -1;
          this.state = ChunkState.Done;
          return i + 1 - from;
        case ChunkState.Done:
          return i - from;
      }
    }
    return i - from;
  }
}

/** A status line + header block + body the gateway answers itself on a raw connection. */
export function rawAnswer(status: number, headers: Record<string, string>, body: string, close: boolean): string {
  let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (close) head += "connection: close\r\n";
  return `${head}\r\n${body}`;
}

export const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  407: "Proxy Authentication Required",
  413: "Payload Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
