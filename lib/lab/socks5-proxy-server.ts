import { createServer, isIP, type Server, type Socket } from "node:net";
import { LabProxy, type LabProxyKind } from "./lab-proxy";

/** RFC 1928 reply codes the lab uses. */
const REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressNotSupported: 0x08,
} as const;

/** Reads exactly n bytes from a socket in paused mode; null when the peer closes first. */
class ByteReader {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiter?.();
    });
    socket.on("close", () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  async read(n: number): Promise<Buffer | null> {
    while (this.buffered.length < n) {
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Bytes that arrived after the handshake (the client's first request bytes), handed to the tunnel. */
  detach(): Buffer {
    this.socket.removeAllListeners("data");
    return this.buffered;
  }
}

/**
 * A SOCKS5 server on node:net (RFC 1928 CONNECT, RFC 1929 user/password), with the lab's fault
 * behaviours. Upstream failures map to the RFC reply codes a real server sends: refused → 0x05,
 * DNS failure → 0x04, upstream connect timeout → 0x06 (TTL expired, SOCKS' only "timeout").
 */
export class LabSocks5Proxy extends LabProxy {
  readonly kind: LabProxyKind = "socks5";

  protected createServer(): Server {
    return createServer((socket) => void this.session(socket));
  }

  private async session(client: Socket): Promise<void> {
    client.on("error", () => client.destroy());
    const reader = new ByteReader(client);
    const reply = (code: number, bind?: { address: string; port: number }) => {
      const addr = bind && isIP(bind.address) === 4 ? bind.address.split(".").map(Number) : [0, 0, 0, 0];
      const port = bind?.port ?? 0;
      client.write(Buffer.from([0x05, code, 0x00, 0x01, ...addr, port >> 8, port & 0xff]));
      if (code !== REPLY.succeeded) client.end();
    };

    const greeting = await reader.read(2);
    if (!greeting || greeting[0] !== 0x05) return void client.destroy();
    const methods = await reader.read(greeting[1]);
    if (!methods) return;
    const decision = await this.gate.decide(true);
    if (decision === "hang") return this.hang(client);

    const wanted = this.auth ? 0x02 : 0x00;
    if (!methods.includes(wanted)) return void client.end(Buffer.from([0x05, 0xff]));
    client.write(Buffer.from([0x05, wanted]));
    if (this.auth) {
      const head = await reader.read(2);
      if (!head) return;
      const user = await reader.read(head[1]);
      const passLength = await reader.read(1);
      const pass = passLength && (await reader.read(passLength[0]));
      if (!user || !pass) return;
      const ok = this.credentialsMatch(user.toString("utf8"), pass.toString("utf8"));
      client.write(Buffer.from([0x01, ok ? 0x00 : 0x01]));
      if (!ok) return void client.end();
    }

    const request = await reader.read(4);
    if (!request || request[0] !== 0x05) return void client.destroy();
    let host: string;
    if (request[3] === 0x01) {
      const raw = await reader.read(4);
      if (!raw) return;
      host = Array.from(raw).join(".");
    } else if (request[3] === 0x03) {
      const length = await reader.read(1);
      const raw = length && (await reader.read(length[0]));
      if (!raw) return;
      host = raw.toString("utf8");
    } else if (request[3] === 0x04) {
      const raw = await reader.read(16);
      if (!raw) return;
      host = (raw.toString("hex").match(/.{4}/g) ?? []).join(":");
    } else {
      return reply(REPLY.addressNotSupported);
    }
    const portBytes = await reader.read(2);
    if (!portBytes) return;
    const port = portBytes.readUInt16BE(0);
    if (request[1] !== 0x01) return reply(REPLY.commandNotSupported);
    if (decision === "fail") return reply(REPLY.generalFailure);
    if (decision === "timeout") return void setTimeout(() => reply(REPLY.ttlExpired), this.upstreamTimeoutMs);
    if (decision === "refuse_tunnel") return reply(REPLY.notAllowed);
    if (decision === "dead_parent") return reply(REPLY.connectionRefused);
    if (decision === "socks_reply" && this.behaviour.kind === "socks_reply") return reply(this.behaviour.code);
    if (decision === "garbage") return void client.end(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"));
    if (decision === "reset_after_connect") {
      reply(REPLY.succeeded, { address: this.exitIp, port: 0 });
      return void setImmediate(() => client.resetAndDestroy());
    }

    await this.openTunnel(client, host, port, {
      opened: (upstream) => {
        reply(REPLY.succeeded, { address: this.exitIp, port: upstream.localPort ?? 0 });
        const early = reader.detach();
        if (early.length) upstream.write(early);
      },
      failed: (failure) => {
        if (failure.kind === "timeout") return reply(REPLY.ttlExpired);
        reply(failure.kind === "error" && failure.code === "ECONNREFUSED" ? REPLY.connectionRefused : REPLY.hostUnreachable);
      },
    });
  }
}
