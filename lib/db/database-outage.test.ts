import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { findFreePort } from "@/lib/net/free-port";
import { currentDatabaseOutage, isDatabaseUnavailableError, startDatabaseMonitor } from "./database-outage";

let monitor: { stop(): Promise<void> } | undefined;
afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe("database monitor", () => {
  it("a refused connection is an outage at once; the shared database is reachable", async () => {
    monitor = startDatabaseMonitor({ connectionString: process.env.DATABASE_URL!, intervalMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(currentDatabaseOutage()).toBeNull();
    await monitor.stop();

    const closedPort = await findFreePort();
    monitor = startDatabaseMonitor({ connectionString: `postgresql://x:y@127.0.0.1:${closedPort}/none`, intervalMs: 100 });
    await until(() => currentDatabaseOutage() !== null, 3_000);
    expect(currentDatabaseOutage()?.reason).toBe("database refuses connections (not running?)");
  });

  it("a server that accepts but never answers counts as down only after two timed-out pings", async () => {
    const sockets: Socket[] = [];
    const hung: Server = createServer((socket) => void sockets.push(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    try {
      const started = Date.now();
      monitor = startDatabaseMonitor({ connectionString: `postgresql://x:y@127.0.0.1:${(hung.address() as AddressInfo).port}/none`, timeoutMs: 400 });
      await until(() => currentDatabaseOutage() !== null);
      // First timeout at ~0.4 s is forgiven (could be our own event loop); the second, 1 s later, is not.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_300);
      expect(currentDatabaseOutage()?.reason).toBe("database does not answer in time");
    } finally {
      await monitor?.stop();
      for (const socket of sockets) socket.destroy();
      hung.close();
    }
  });

  it("recognises unavailability through Prisma's wrappers and pg's errors, and not a plain query error", () => {
    expect(isDatabaseUnavailableError({ code: "P1001", message: "Can't reach database server" })).toBe(true);
    expect(isDatabaseUnavailableError({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "DatabaseNotReachable" } } } })).toBe(true);
    expect(isDatabaseUnavailableError(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailableError(new Error("wrapper", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }))).toBe(true);
    expect(isDatabaseUnavailableError(Object.assign(new Error('relation "nope" does not exist'), { code: "42P01" }))).toBe(false);
    expect(isDatabaseUnavailableError({ code: "P2002", message: "Unique constraint failed" })).toBe(false);
  });
});
