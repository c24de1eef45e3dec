import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { ApiError, validationError } from "./api-errors";

// Request parsing shared by the REST routes (Next's Request) and the gateway's node:http fast
// path (IncomingMessage): one query rule, one body rule, the same error answers.

/** Query string → object; a repeated key becomes an array. */
export function queryObject(searchParams: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of searchParams) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** Comma-separated or repeated query values → string[]. */
export const listParam = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess(
    (value) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(",")).filter(Boolean)),
    z.array(item).max(max),
  );

/** A body to read: its declared Content-Type and Content-Length, and its bytes. */
export interface BodySource {
  contentType: string | null | undefined;
  declaredLength: string | null | undefined;
  chunks: AsyncIterable<Uint8Array> | null;
}

export function requestBody(request: Request): BodySource {
  const stream = request.body;
  return { contentType: request.headers.get("content-type"), declaredLength: request.headers.get("content-length"), chunks: stream && readerChunks(stream) };
}

export function incomingBody(req: IncomingMessage): BodySource {
  return { contentType: req.headers["content-type"], declaredLength: req.headers["content-length"], chunks: req as AsyncIterable<Uint8Array> };
}

/** application/json or any +json type, parameters (charset) allowed. */
function isJsonMediaType(contentType: string | null | undefined): boolean {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

async function* readerChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stops the upload when the caller gave up (body too large).
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Reads at most maxBytes of JSON; 415 unless it is declared as JSON (a text/plain body is what a
 * cross-site form can send without asking), 413 beyond the cap, 400 when it is empty or not JSON.
 */
export async function readJsonBody(source: BodySource, maxBytes: number): Promise<unknown> {
  if (!isJsonMediaType(source.contentType)) throw new ApiError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  const declared = Number(source.declaredLength ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source.chunks ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new ApiError("bad_request", "Send a JSON body (Content-Type: application/json).");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON.");
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The body is larger than ${maxBytes} bytes.`, { maxBytes });
}

/**
 * The first string (key or value) in `input` that text columns cannot store or that is not
 * well-formed Unicode: a NUL character or a lone UTF-16 surrogate (JSON allows both as escapes).
 * Returns its path, or undefined when everything is clean.
 */
export function findUnstorableText(input: unknown, path: string[] = [], depth = 0): { path: string; reason: string } | undefined {
  const bad = (text: string) => (text.includes("\u0000") ? "contains a NUL character" : !text.isWellFormed() ? "is not well-formed Unicode (a lone surrogate)" : undefined);
  if (typeof input === "string") {
    const reason = bad(input);
    return reason ? { path: path.join("."), reason } : undefined;
  }
  if (input === null || typeof input !== "object" || depth > 64) return undefined;
  for (const [key, value] of Object.entries(input)) {
    const keyReason = bad(key);
    if (keyReason) return { path: [...path, "(key)"].join("."), reason: `a field name ${keyReason}` };
    const found = findUnstorableText(value, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Validates with a zod schema; failures → 422 with the failing fields under `prefix`. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix?: string): z.output<T> {
  const unstorable = findUnstorableText(input, prefix ? [prefix] : []);
  if (unstorable) {
    const field = unstorable.path || "body";
    throw new ApiError("unprocessable_entity", "The request has invalid fields.", { fields: { [field]: `The value ${unstorable.reason}.` } });
  }
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}
