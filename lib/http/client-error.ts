import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError, errorBody } from "./api-errors";

/**
 * node:http's "clientError" handler: a request Node cannot parse never reaches a route, and
 * Node's default answer has no body. This one answers with the error table's JSON instead —
 * 431 request_header_fields_too_large for an oversized request line or header (a huge
 * `session=`, say), 400 bad_request for anything else malformed — and closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const apiError =
    error.code === "HPE_HEADER_OVERFLOW"
      ? new ApiError("request_header_fields_too_large", "The request line or headers are too large (16 KiB at most).")
      : new ApiError("bad_request", "The request is not valid HTTP.");
  const text = JSON.stringify(errorBody(apiError));
  socket.end(
    `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${text}`,
  );
}
