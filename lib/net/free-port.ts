import { closeSync, openSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

/**
 * In a test run (SWITCHYARD_TEST_PORT_REGISTRY names a directory, see lib/testing), a port is
 * handed out once: test files share one database, and a node row keeps the port of the lab proxy
 * it was made for, so a port one file's lab let go of and another file's lab got again would
 * collide with that row (scheme, host, port, user name are unique). Claiming is an exclusive file
 * create, atomic across the run's worker processes. Outside tests every port is fresh.
 */
export function claimFreshPort(port: number): boolean {
  const registry = process.env.SWITCHYARD_TEST_PORT_REGISTRY;
  if (!registry) return true;
  try {
    closeSync(openSync(path.join(registry, String(port)), "wx"));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Binds with port 0 (the kernel's choice) until the port is one this run has not handed out
 * (claimFreshPort); `release` lets go of a port that was already used before the next try.
 */
export async function bindFreshPort<T>(bind: () => Promise<{ port: number; value: T }>, release: (value: T) => Promise<void>): Promise<{ port: number; value: T }> {
  for (let tries = 0; ; tries++) {
    const bound = await bind();
    if (claimFreshPort(bound.port) || tries >= 100) return bound;
    await release(bound.value);
  }
}

/** Asks the kernel for a free TCP port on 127.0.0.1 (one not handed out before in a test run). */
export async function findFreePort(): Promise<number> {
  const { port } = await bindFreshPort(
    () =>
      new Promise<{ port: number; value: undefined }>((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          server.close(() => (typeof address === "object" && address ? resolve({ port: address.port, value: undefined }) : reject(new Error("no port"))));
        });
      }),
    async () => undefined,
  );
  return port;
}
