import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { claimFreshPort, findFreePort } from "@/lib/net/free-port";
import { ServerLifecycle } from "./server-lifecycle";

// Test files share one database; a node row keeps its lab proxy's port. A port the kernel hands
// out again to another file's lab must not come back in the same run.
describe("ports in a test run", () => {
  it("hands a port out once per run, across findFreePort and lab listeners", async () => {
    const registry = process.env.SWITCHYARD_TEST_PORT_REGISTRY!;
    expect(registry).toBeTruthy();
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await findFreePort());
    for (let i = 0; i < 5; i++) {
      const lifecycle = new ServerLifecycle(createServer());
      ports.push(await lifecycle.listen(0));
      await lifecycle.close();
    }
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(existsSync(path.join(registry, String(port)))).toBe(true);
      expect(claimFreshPort(port)).toBe(false);
    }
  });
});
