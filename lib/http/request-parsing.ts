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

/** A body to read: its declared Content-Length and its bytes. */
export interface BodySource {
  declaredLength: string | null | undefined;
  chunks: AsyncIterable<Uint8Array> | null;
}

export function requestBody(request: Request): BodySource {
  const stream = request.body;
  return { declaredLength: request.headers.get("content-length"), chunks: stream && readerChunks(stream) };
}

export function incomingBody(req: IncomingMessage): BodySource {
  return { declaredLength: req.headers["content-length"], chunks: req as AsyncIterable<Uint8Array> };
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

/** Reads at most maxBytes of JSON; 413 beyond, 400 when it is empty or not JSON. */
export async function readJsonBody(source: BodySource, maxBytes: number): Promise<unknown> {
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

/** Validates with a zod schema; failures → 422 with the failing fields under `prefix`. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix?: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}
