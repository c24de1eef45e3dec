import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { LAB_DEMO_POOL, registerLabAsDemoPool } from "./demo-pool";
import { startFaultLab, type FaultLab } from "./fault-lab";

let lab: FaultLab;
beforeAll(async () => {
  lab = await startFaultLab();
});
afterAll(() => lab?.close());

const seal = (clear: string) => `test-sealed:${Buffer.from(clear).toString("base64")}`;

describe("registerLabAsDemoPool", () => {
  it("upserts every lab proxy as a labelled node in the lab-demo pool, idempotently", async () => {
    const manifest = lab.manifest();
    const first = await registerLabAsDemoPool(manifest, { sealPassword: seal });
    const again = await registerLabAsDemoPool(manifest, { sealPassword: seal });
    expect(again.nodeIds).toEqual(first.nodeIds);
    expect(again.removedNodes).toBe(0);

    const pool = await prisma.pool.findUniqueOrThrow({ where: { name: LAB_DEMO_POOL }, include: { members: { include: { node: true } }, probeSettings: true } });
    expect(pool.members.length).toBe(manifest.proxies.length);
    for (const proxy of manifest.proxies) {
      const node = pool.members.map((m) => m.node).find((n) => n.label === `[lab] ${proxy.name}`);
      expect(node).toBeDefined();
      expect(node!.tags).toContain("lab");
      expect(node).toMatchObject({ scheme: proxy.kind, host: "127.0.0.1", port: proxy.port, username: proxy.username });
      expect(node!.passwordSealed).toBe(proxy.password ? seal(proxy.password) : null);
    }
    expect(pool.probeSettings?.targetIds).toEqual(first.targetIds);
    expect(await prisma.probeTarget.count({ where: { id: { in: first.targetIds } } })).toBe(3);
    // Each registration is audited on the pool.
    const audit = await prisma.auditEvent.findMany({ where: { subjectType: "pool", subjectId: first.poolId, action: "pool.lab_registered" } });
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(audit[0]).toMatchObject({ actor: "fault lab (npm run lab)", after: expect.objectContaining({ nodes: manifest.proxies.length, targets: 3 }) });
  });

  it("refuses to store a clear password", async () => {
    await expect(registerLabAsDemoPool(lab.manifest())).rejects.toThrow(/sealPassword/);
  });
});
