import { request, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { classifyConnectAnswer, classifyResponse, type Verdict } from "../classify-response";

/** A proxy's answer as recorded from the real software (test/fixture files), replayed by the normal suite. */
export interface RecordedAnswer {
  software: string;
  version: string;
  case: string;
  mode: "forward" | "connect";
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  /** First 4 KB of the body. */
  body: string;
  /** What the classifier said when it was recorded: the replay must agree. */
  expect: { faultClass: string; responder: string; faultOrigin: string };
}

/** The classifier on a recorded answer, as the engine would have seen it. */
export function classifyRecorded(answer: Pick<RecordedAnswer, "mode" | "status" | "headers" | "body">): Verdict {
  if (answer.mode === "connect") return classifyConnectAnswer(answer.status, answer.headers, answer.body);
  return classifyResponse({ mode: "forward", status: answer.status, headers: answer.headers, bodySample: answer.body });
}

/** The raw answer to an absolute-form GET through an HTTP proxy (status line, headers, body head). */
export function recordForward(proxyPort: number, url: string, timeoutMs = 10_000): Promise<Omit<RecordedAnswer, "software" | "version" | "case" | "expect">> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxyPort, method: "GET", path: url, headers: { host: new URL(url).host, connection: "close" }, timeout: timeoutMs });
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("error", reject);
      res.once("end", () =>
        resolve({ mode: "forward", status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", headers: res.headers, body: Buffer.concat(chunks).subarray(0, 4096).toString("latin1") }),
      );
    });
    req.end();
  });
}

/** The raw answer to CONNECT (only meaningful when the proxy refuses the tunnel). */
export function recordConnect(proxyPort: number, authority: string, timeoutMs = 10_000): Promise<Omit<RecordedAnswer, "software" | "version" | "case" | "expect">> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: proxyPort });
    const timer = setTimeout(() => socket.destroy(new Error("timeout")), timeoutMs);
    let raw = Buffer.alloc(0);
    let settled = false;
    const finish = (force: boolean) => {
      const text = raw.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return force ? fail(new Error(`no complete answer in ${JSON.stringify(text.slice(0, 200))}`)) : undefined;
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine ?? "");
      if (!match) return fail(new Error(`no status line in ${JSON.stringify(text.slice(0, 200))}`));
      const headers: IncomingHttpHeaders = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = text.slice(end + 4);
      const length = Number(headers["content-length"] ?? NaN);
      // A refusal with a Content-Length is complete when the body is; otherwise wait for close.
      if (!force && !(Number.isFinite(length) && body.length >= length)) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ mode: "connect", status: Number(match[1]), statusMessage: match[2], headers, body: body.slice(0, 4096) });
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once("connect", () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      finish(false);
    });
    socket.once("error", fail);
    socket.once("close", () => !settled && finish(true));
  });
}
