import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/prisma";
import { registeredBackgroundJobs } from "./background-jobs";
import "./jobs";

const job = registeredBackgroundJobs().find((candidate) => candidate.name === "lease-expiry")!;
const runJob = () => job.run(new AbortController().signal);
const ago = (ms: number) => new Date(Date.now() - ms);
const inFuture = (ms: number) => new Date(Date.now() + ms);

async function newNode() {
  return prisma.proxyNode.create({ data: { scheme: "http", host: `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, port: 1024 + Math.floor(Math.random() * 60_000) } });
}

describe("lease-expiry worker job", () => {
  it("ends probe leases a dead worker left behind and leaves live ones alone", async () => {
    const [dead, live] = [await newNode(), await newNode()];
    await prisma.nodeProbeLease.create({ data: { nodeId: dead.id, leaseUntil: ago(60_000), leaseOwner: "worker-that-died" } });
    await prisma.nodeProbeLease.create({ data: { nodeId: live.id, leaseUntil: inFuture(600_000), leaseOwner: "worker-alive" } });
    await runJob();
    expect(await prisma.nodeProbeLease.findUnique({ where: { nodeId: dead.id } })).toMatchObject({ leaseUntil: null, leaseOwner: null });
    expect(await prisma.nodeProbeLease.findUnique({ where: { nodeId: live.id } })).toMatchObject({ leaseOwner: "worker-alive" });
  });

  it("expires unreported gateway leases, frees their node claims, deletes lease rows a day after expiry", async () => {
    const [node, busy, old] = [await newNode(), await newNode(), await newNode()];
    const pool = await prisma.pool.create({ data: { name: `lease-sweep-${randomUUID()}` } });
    const lease = (nodeId: string, expiresAt: Date, extra: Record<string, unknown> = {}) =>
      prisma.gatewayLease.create({ data: { poolId: pool.id, nodeId, apiKeyId: randomUUID(), expiresAt, ...extra } });
    const expired = await lease(node.id, ago(5_000));
    await prisma.gatewayNodeLease.create({ data: { nodeId: node.id, leaseId: expired.id, expiresAt: expired.expiresAt } });
    const running = await lease(busy.id, inFuture(60_000));
    await prisma.gatewayNodeLease.create({ data: { nodeId: busy.id, leaseId: running.id, expiresAt: running.expiresAt } });
    const ancient = await lease(old.id, ago(25 * 3_600_000), { releasedAt: ago(25 * 3_600_000) });

    await runJob();

    expect(await prisma.gatewayNodeLease.findUnique({ where: { nodeId: node.id } })).toBeNull();
    expect((await prisma.gatewayLease.findUniqueOrThrow({ where: { id: expired.id } })).releasedAt).toEqual(expired.expiresAt);
    expect(await prisma.gatewayNodeLease.findUnique({ where: { nodeId: busy.id } })).toMatchObject({ leaseId: running.id });
    expect((await prisma.gatewayLease.findUniqueOrThrow({ where: { id: running.id } })).releasedAt).toBeNull();
    expect(await prisma.gatewayLease.findUnique({ where: { id: ancient.id } })).toBeNull();
  });

  it("marks a probe run whose heartbeat stopped as interrupted in the database", async () => {
    const stale = await prisma.probeRun.create({ data: { requestedBy: "test", nodeIds: [], targetIds: [], total: 10 } });
    const beating = await prisma.probeRun.create({ data: { requestedBy: "test", nodeIds: [], targetIds: [], total: 10 } });
    // The process running `stale` died: its last heartbeat is a minute old.
    await prisma.$executeRaw`UPDATE "ProbeRun" SET "updatedAt" = "updatedAt" - interval '1 minute' WHERE id = ${stale.id}::uuid`;

    await runJob();

    const after = await prisma.probeRun.findUniqueOrThrow({ where: { id: stale.id } });
    expect(after.status).toBe("interrupted");
    expect(after.finishedAt).not.toBeNull();
    expect(after.error).toMatch(/heartbeat/);
    expect((await prisma.probeRun.findUniqueOrThrow({ where: { id: beating.id } })).status).toBe("running");
  });
});
