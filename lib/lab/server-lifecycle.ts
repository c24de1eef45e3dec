import type { Server } from "node:net";
import type { Socket } from "node:net";
import { bindFreshPort } from "@/lib/net/free-port";

/**
 * Listen/close for lab servers. close() also destroys open sockets: a stopped lab proxy must
 * look down at once, not after its keep-alive clients drift away.
 */
export class ServerLifecycle {
  private readonly sockets = new Set<Socket>();
  /** Client connections accepted so far (tests: does a client reuse its connections?). */
  accepted = 0;

  constructor(readonly server: Server) {
    server.on("connection", (socket: Socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    // TLS servers report the raw TCP socket here; plain ones too. Either way it is the one to destroy.
  }

  /** Tracks sockets a handler opened itself (upstream legs), so close() ends them too. */
  adopt(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  /** Listens on `port`, or with 0 on a port the kernel picks that this test run has not used (lib/net/free-port.ts). */
  async listen(port: number, host = "127.0.0.1"): Promise<number> {
    if (port !== 0) return this.listenOn(port, host);
    const { port: bound } = await bindFreshPort(
      async () => ({ port: await this.listenOn(0, host), value: undefined }),
      () => new Promise<void>((resolve) => this.server.close(() => resolve())),
    );
    return bound;
  }

  private async listenOn(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.off("error", onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("server has no TCP address");
    return address.port;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }
}
