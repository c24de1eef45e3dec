import type { Socket } from "node:net";

/** RFC 1928 reply codes the gateway sends. */
export const SOCKS_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

export interface SocksConnectRequest {
  username: string;
  password: string;
  host: string;
  port: number;
  /** Bytes the client sent after its CONNECT request (pipelined data), for the upstream. */
  leftover: Buffer;
}

export interface SocksHandshake {
  /** Checks the RFC 1929 credentials; a string is the refusal (logged, not sent: SOCKS has no text). */
  authenticate(username: string, password: string): Promise<true | string>;
  /** Called once with the client's CONNECT; answer with reply(). */
  connect(request: SocksConnectRequest): void;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_HANDSHAKE_BYTES = 1_024;

/**
 * The server side of a SOCKS5 handshake (RFC 1928 + RFC 1929 user/password, CONNECT only):
 * greeting → method 0x02 → credentials → CONNECT with an IPv4, domain or IPv6 address. Anything
 * else gets the standard refusal and the socket is closed. No external library: the server
 * packages on npm are unmaintained or bring their own connect logic, and the gateway needs to
 * hold the reply until its retries opened (or failed to open) a tunnel.
 */
export function acceptSocks5(socket: Socket, handler: SocksHandshake): void {
  let buffer: Buffer = Buffer.alloc(0);
  let stage: "greeting" | "auth" | "authenticating" | "request" | "done" = "greeting";
  let username = "";
  let password = "";
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
  socket.once("close", () => clearTimeout(timer));
  const fail = (bytes: number[]) => {
    stage = "done";
    clearTimeout(timer);
    socket.write(Buffer.from(bytes));
    socket.destroySoon(); // not end(): nobody reads this socket any more, so the client's FIN would go unnoticed
  };

  const onData = (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    if (buffer.length > MAX_HANDSHAKE_BYTES) return fail([0x05, SOCKS_REPLY.generalFailure]);
    step();
  };

  const step = (): void => {
    if (stage === "greeting") {
      if (buffer.length < 2) return;
      if (buffer[0] !== 0x05) return fail([0x05, 0xff]);
      const count = buffer[1];
      if (buffer.length < 2 + count) return;
      const methods = buffer.subarray(2, 2 + count);
      buffer = buffer.subarray(2 + count);
      // Only user/password: the API key is the password.
      if (!methods.includes(0x02)) return fail([0x05, 0xff]);
      socket.write(Buffer.from([0x05, 0x02]));
      stage = "auth";
    }
    if (stage === "auth") {
      if (buffer.length < 2) return;
      if (buffer[0] !== 0x01) return fail([0x01, 0x01]);
      const ulen = buffer[1];
      if (buffer.length < 2 + ulen + 1) return;
      const plen = buffer[2 + ulen];
      if (buffer.length < 3 + ulen + plen) return;
      username = buffer.subarray(2, 2 + ulen).toString("utf8");
      password = buffer.subarray(3 + ulen, 3 + ulen + plen).toString("utf8");
      buffer = buffer.subarray(3 + ulen + plen);
      stage = "authenticating";
      handler.authenticate(username, password).then(
        (result) => {
          if (socket.destroyed) return;
          if (result !== true) return fail([0x01, 0x01]);
          socket.write(Buffer.from([0x01, 0x00]));
          stage = "request";
          step();
        },
        () => fail([0x01, 0x01]),
      );
      return;
    }
    if (stage === "request") {
      if (buffer.length < 4) return;
      if (buffer[0] !== 0x05) return fail(reply(SOCKS_REPLY.generalFailure));
      const command = buffer[1];
      const type = buffer[3];
      let host: string;
      let end: number;
      if (type === 0x01) {
        end = 4 + 4;
        if (buffer.length < end + 2) return;
        host = [...buffer.subarray(4, 8)].join(".");
      } else if (type === 0x03) {
        if (buffer.length < 5) return;
        end = 5 + buffer[4];
        if (buffer.length < end + 2) return;
        host = buffer.subarray(5, end).toString("utf8");
      } else if (type === 0x04) {
        end = 4 + 16;
        if (buffer.length < end + 2) return;
        const words: string[] = [];
        for (let i = 4; i < end; i += 2) words.push(buffer.readUInt16BE(i).toString(16));
        host = words.join(":");
      } else return fail(reply(SOCKS_REPLY.addressTypeNotSupported));
      const port = buffer.readUInt16BE(end);
      const leftover = buffer.subarray(end + 2);
      if (command !== 0x01) return fail(reply(SOCKS_REPLY.commandNotSupported));
      stage = "done";
      clearTimeout(timer);
      socket.off("data", onData);
      socket.pause(); // nothing may be lost before the tunnel pipes it on
      handler.connect({ username, password, host, port, leftover });
    }
  };

  socket.on("data", onData);
}

/** A SOCKS5 reply with an unspecified bound address (0.0.0.0:0). */
export function reply(code: number): number[] {
  return [0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0];
}
