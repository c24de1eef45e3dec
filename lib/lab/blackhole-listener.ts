import { connect, type Socket } from "node:net";
import { Worker } from "node:worker_threads";

// The listener lives in a worker thread that, once listening, blocks in Atomics.wait: its event
// loop never runs again, so nothing ever accept()s. Node has no "listen but don't accept" call,
// and the worker shares this process (its descriptor shows in our /proc/self/fd, it stops with us).
const LISTENER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:net");
const server = createServer();
server.listen({ port: workerData.port, host: workerData.host, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData.stop), 0, 0);
  server.close();
  process.exit(0);
});
server.on("error", (error) => { parentPort.postMessage({ error: error.message }); process.exit(1); });
`;

/**
 * A TCP address that silently drops connection attempts, as a blackholed IP or a firewall that
 * DROPs does: a listener that never accepts, whose accept queue (backlog 1) we fill ourselves.
 * Linux then drops every further SYN (no RST, no SYN-ACK), so clients wait until their connect
 * timeout. Only on 127.0.0.0/8.
 */
export class BlackholeListener {
  private constructor(
    private readonly worker: Worker,
    private readonly stopFlag: Int32Array,
    private readonly fillers: Socket[],
    readonly port: number,
  ) {}

  static async start(port: number, host = "127.0.0.1"): Promise<BlackholeListener> {
    if (!host.startsWith("127.")) throw new Error(`blackhole listener must be on 127.0.0.0/8, not ${host}`);
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(LISTENER_SOURCE, { eval: true, workerData: { port, host, stop } });
    const bound = await new Promise<number>((resolve, reject) => {
      worker.once("message", (message: number | { error: string }) =>
        typeof message === "number" ? resolve(message) : reject(new Error(`blackhole listener on ${host}:${port}: ${message.error}`)),
      );
      worker.once("error", reject);
    });
    const listener = new BlackholeListener(worker, new Int32Array(stop), [], bound);
    try {
      await listener.fillAcceptQueue(host);
    } catch (error) {
      await listener.close();
      throw error;
    }
    return listener;
  }

  /** Connects until an attempt gets no answer at all: from then on the queue is full and SYNs are dropped. */
  private async fillAcceptQueue(host: string): Promise<void> {
    for (let i = 0; i < 16; i++) {
      const socket = connect({ port: this.port, host });
      socket.on("error", () => socket.destroy());
      const connected = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 300);
        socket.once("connect", () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.once("close", () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      if (!connected) {
        socket.destroy();
        if (this.fillers.length > 0) return;
        throw new Error(`blackhole listener on ${host}:${this.port} did not take a first connection`);
      }
      this.fillers.push(socket);
    }
    throw new Error(`blackhole listener on ${host}:${this.port} kept accepting: the kernel does not drop SYNs on a full accept queue here`);
  }

  async close(): Promise<void> {
    for (const socket of this.fillers) socket.destroy();
    this.fillers.length = 0;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    Atomics.store(this.stopFlag, 0, 1);
    Atomics.notify(this.stopFlag, 0);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await this.worker.terminate();
  }
}
