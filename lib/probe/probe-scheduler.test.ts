import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { TARGET_PATHS } from "@/lib/lab/target-server";
import type { ProbeAttempt } from "./probe-check";
import { adaptiveTimeouts, nextDelayMs, nodeItselfFailed, runProbeScheduler, slotPhaseMs, type ProbeSchedulerOptions } from "./probe-scheduler";
import { poolProbeSettingsSchema } from "./schema";
import { monitoringStatus, scheduleLag } from "./worker-status";

// Every row here belongs to nodes, targets and pools this file made (test files share one database),
// and every scheduler run is limited to this file's pools.

let lab: FaultLab;
beforeAll(async () => {
  lab = await startFaultLab({
    proxies: [
      { name: "http-healthy", kind: "http" },
      { name: "http-hang", kind: "http", behaviour: { kind: "hang" } },
      { name: "http-refuse", kind: "http", behaviour: { kind: "refuse" } },
      { name: "http-tunnel-403", kind: "http", behaviour: { kind: "tunnel_refused", status: 403 } },
      { name: "http-updown", kind: "http" },
    ],
  });
});
afterAll(() => lab?.close());

/** Distinct node rows (by username) that all point at one lab proxy, which ignores credentials. */
async function makeNodes(count: number, proxyName: string): Promise<string[]> {
  const run = randomUUID().slice(0, 8);
  const port = lab.proxy(proxyName).port;
  const ids = Array.from({ length: count }, () => randomUUID());
  await prisma.proxyNode.createMany({ data: ids.map((id, i) => ({ id, scheme: "http" as const, host: "127.0.0.1", port, username: `${proxyName}-${run}-${i}` })) });
  return ids;
}

async function makeTargets(urls: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const url of urls) ids.push((await prisma.probeTarget.create({ data: { url: `${url}${url.includes("?") ? "&" : "?"}t=${randomUUID()}` } })).id);
  return ids;
}

async function makePool(nodeIds: string[], targetIds: string[], settings: { intervalSeconds: number; maxBackoffSeconds?: number; firstByteTimeoutMs?: number }) {
  const pool = await prisma.pool.create({ data: { name: `scheduler-test-${randomUUID()}` } });
  await prisma.poolMembership.createMany({ data: nodeIds.map((nodeId) => ({ poolId: pool.id, nodeId })) });
  const firstByteTimeoutMs = settings.firstByteTimeoutMs ?? 1_000;
  await prisma.poolProbeSettings.create({
    data: { poolId: pool.id, targetIds, connectTimeoutMs: 500, firstByteTimeoutMs, totalTimeoutMs: firstByteTimeoutMs + 1_000, intervalSeconds: settings.intervalSeconds, maxBackoffSeconds: settings.maxBackoffSeconds ?? 600 },
  });
  return pool.id;
}

/** Runs one scheduler over the given pools until `until` says stop (checked every 100 ms) or the time is up. */
async function runFor(ms: number, options: Omit<ProbeSchedulerOptions, "signal">, until?: () => Promise<boolean>) {
  const controller = new AbortController();
  const running = runProbeScheduler({ idleMs: 100, heartbeatMs: 0, check: { ca: lab.manifest().certPem }, ...options, signal: controller.signal });
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !(until && (await until()))) await new Promise((resolve) => setTimeout(resolve, 100));
  controller.abort();
  return running;
}

const httpsOk = () => `${lab.httpsTarget.baseUrl}${TARGET_PATHS.ok}`;
const httpOk = () => `${lab.httpTarget.baseUrl}${TARGET_PATHS.ok}`;
const httpIp = () => `${lab.httpTarget.baseUrl}${TARGET_PATHS.ipEcho}`;

describe("continuous pipeline", () => {
  it("a hanging node no longer delays the others: every healthy node's next round starts on time", async () => {
    // Under the batch scheduler each claimed batch waited for its hanging nodes (3 targets × 20 s
    // one after the other), so a healthy node's next round started ~60 s after its last one.
    const healthy = await makeNodes(50, "http-healthy");
    const hanging = await makeNodes(5, "http-hang");
    const targets = await makeTargets([httpOk(), httpIp(), httpsOk()]);
    const intervalMs = 2_000;
    const poolId = await makePool([...healthy, ...hanging], targets, { intervalSeconds: intervalMs / 1000, firstByteTimeoutMs: 20_000 });

    let seenInFlight = 0;
    // Until every healthy node has had three rounds (a loaded machine makes every check slower)…
    const stats = await runFor(100_000, { poolIds: [poolId], heartbeatMs: 300 }, async () => {
      seenInFlight = Math.max(seenInFlight, (await monitoringStatus()).inFlightChecks);
      const perNode = await prisma.probeResult.groupBy({ by: ["nodeId"], where: { nodeId: { in: [...healthy, ...hanging] } }, _count: true });
      const count = (id: string) => perNode.find((n) => n.nodeId === id)?._count ?? 0;
      // …and every hanging node has given up once (its first check ends after the 20 s timeout).
      return healthy.every((id) => count(id) >= 7) && hanging.every((id) => count(id) >= 1);
    });
    expect(stats.checks).toBeGreaterThan(0);
    // The worker reported its in-flight checks where the web role reads them, and removed its row on stop.
    expect(seenInFlight).toBeGreaterThanOrEqual(1);
    expect(await prisma.probeWorkerStatus.count({ where: { workerId: stats.owner } })).toBe(0);

    const results = await prisma.probeResult.findMany({ where: { nodeId: { in: [...healthy, ...hanging] } }, orderBy: { startedAt: "asc" } });
    // A node's rounds as the database has them: its checks run one after another; the next round
    // starts when the previous one has ended.
    const rounds = (nodeId: string) => {
      const found: { start: number; end: number; targets: Set<string> }[] = [];
      for (const r of results.filter((x) => x.nodeId === nodeId)) {
        const at = r.startedAt.getTime();
        const last = found[found.length - 1];
        // Within one round every target comes once.
        if (last && !last.targets.has(r.targetId)) {
          last.end = Math.max(last.end, at + r.totalMs);
          last.targets.add(r.targetId);
        } else found.push({ start: at, end: at + r.totalMs, targets: new Set([r.targetId]) });
      }
      return found;
    };
    // On time = its interval after its previous start (± half an interval while the slots spread), or right after its own previous
    // round if that took longer (a machine under heavy load slows every check): never waiting on
    // other nodes. The slack covers claim polling, release flushing and a heavily loaded machine
    // (seen up to ~12 s with a load average of 20 on 2 cores); the batch scheduler's wait was 60 s.
    const slackMs = 10_000;
    for (const nodeId of healthy) {
      const mine = rounds(nodeId);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < mine.length; i++) expect(mine[i].start).toBeLessThanOrEqual(Math.max(mine[i - 1].start + intervalMs * 1.5, mine[i - 1].end) + slackMs);
    }

    // Hanging nodes: one result per round (the CONNECT never answered), the other two targets skipped.
    for (const nodeId of hanging) {
      const mine = results.filter((r) => r.nodeId === nodeId);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(mine.length).toBe(rounds(nodeId).length);
      for (const r of mine) {
        expect(r.faultClass).toBe("upstream_timeout");
        expect(r.reason).toMatch(/tunnel.*2 more targets skipped this round/);
      }
    }
  }, 150_000);

  it("fails fast only when the node itself does not answer; an answering node keeps every target's result", async () => {
    const refusing = await makeNodes(1, "http-refuse");
    const tunnelRefused = await makeNodes(1, "http-tunnel-403");
    const healthy = await makeNodes(1, "http-healthy");
    const targets = await makeTargets([httpsOk(), `${lab.httpTarget.baseUrl}${TARGET_PATHS.status}502`, httpOk()]);
    // Generous first-byte timeout: on a loaded machine a healthy proxy's CONNECT answer can take seconds.
    const poolId = await makePool([...refusing, ...tunnelRefused, ...healthy], targets, { intervalSeconds: 600, firstByteTimeoutMs: 10_000 });
    const all = [...refusing, ...tunnelRefused, ...healthy];
    await runFor(15_000, { poolIds: [poolId] }, async () => (await prisma.nodeProbeLease.count({ where: { nodeId: { in: all }, claimedAt: { not: null }, leaseOwner: null } })) === 3);

    const classes = async (nodeId: string) => (await prisma.probeResult.findMany({ where: { nodeId }, orderBy: { id: "asc" } })).map((r) => r.faultClass).sort();
    expect(await classes(refusing[0])).toEqual(["proxy_unreachable"]);
    expect(await classes(tunnelRefused[0])).toEqual(["ok", "target_502", "tunnel_failed"]);
    expect(await classes(healthy[0])).toEqual(["ok", "ok", "target_502"]);
    const streaks = await prisma.nodeProbeLease.findMany({ where: { nodeId: { in: all } } });
    expect(Object.fromEntries(streaks.map((l) => [l.nodeId, l.failStreak]))).toEqual({ [refusing[0]]: 1, [tunnelRefused[0]]: 0, [healthy[0]]: 0 });
  });

  it("backs a dead node off up to the pool's bound and notices its recovery within that bound", async () => {
    const updown = lab.proxy("http-updown");
    await updown.stop();
    const [nodeId] = await makeNodes(1, "http-updown");
    const targets = await makeTargets([httpOk()]);
    const poolId = await makePool([nodeId], targets, { intervalSeconds: 1, maxBackoffSeconds: 3 });
    const lease = () => prisma.nodeProbeLease.findUniqueOrThrow({ where: { nodeId } });
    const delayOf = (l: Awaited<ReturnType<typeof lease>>) => l.nextProbeAt.getTime() - l.claimedAt!.getTime();
    // Rounds land on the node's slot grid (period 1 s): the delay is the intended one ± half a period.
    const onSlot = (l: Awaited<ReturnType<typeof lease>>) => expect(l.nextProbeAt.getTime() % 1_000).toBe(slotPhaseMs(nodeId, 1_000));
    try {
      // Failed rounds: delays 1 s, 2 s, then the 3 s bound.
      // The scheduler creates the lease row on its first pass: until then there is nothing to read.
      await runFor(20_000, { poolIds: [poolId] }, async () => {
        const l = await prisma.nodeProbeLease.findUnique({ where: { nodeId } });
        return l !== null && l.failStreak >= 3 && l.leaseOwner === null;
      });
      const dead = await lease();
      expect(dead.failStreak).toBeGreaterThanOrEqual(3);
      expect(delayOf(dead)).toBeGreaterThanOrEqual(2_500);
      expect(delayOf(dead)).toBeLessThan(3_500);
      onSlot(dead);
      const failures = await prisma.probeResult.count({ where: { nodeId } });
      expect(failures).toBe(dead.failStreak);
    } finally {
      await updown.start();
    }
    const backUpAt = Date.now();
    await runFor(20_000, { poolIds: [poolId] }, async () => {
      const l = await lease();
      return l.failStreak === 0 && l.leaseOwner === null;
    });
    const recovered = await lease();
    expect(recovered.failStreak).toBe(0);
    expect(delayOf(recovered)).toBeGreaterThanOrEqual(500);
    expect(delayOf(recovered)).toBeLessThan(1_500);
    onSlot(recovered);
    const ok = await prisma.probeResult.findFirstOrThrow({ where: { nodeId, faultClass: "ok" } });
    // Seen within the bound (3 s, + half a period to its slot) plus claim polling, not after a minutes-long backoff.
    expect(ok.startedAt.getTime() - backUpAt).toBeLessThanOrEqual(3_500 + 1_500);
  });
});

describe("schedule lag", () => {
  it("counts probed nodes that are overdue and unclaimed, and how late the oldest is", async () => {
    const nodes = await makeNodes(4, "http-healthy");
    const [disabled] = await makeNodes(1, "http-healthy");
    await prisma.proxyNode.update({ where: { id: disabled }, data: { state: "DISABLED" } });
    const targets = await makeTargets([httpOk()]);
    const poolId = await makePool([...nodes, disabled], targets, { intervalSeconds: 60 });
    expect(await scheduleLag([poolId])).toEqual({ overdueNodes: 0, oldestLagMs: 0 });
    const longAgo = new Date(Date.now() - 3_600_000);
    await prisma.nodeProbeLease.createMany({ data: [...nodes, disabled].map((nodeId) => ({ nodeId, nextProbeAt: longAgo })) });
    // One of them is being probed right now: claimed, so not overdue.
    await prisma.nodeProbeLease.update({ where: { nodeId: nodes[0] }, data: { leaseUntil: new Date(Date.now() + 60_000), leaseOwner: "someone" } });
    const after = await scheduleLag([poolId]);
    expect(after.overdueNodes).toBe(3);
    expect(after.oldestLagMs).toBeGreaterThanOrEqual(3_600_000);
  });
});

describe("pool backoff bound", () => {
  const settings = { poolId: randomUUID(), enabled: true, intervalSeconds: 60, connectTimeoutMs: 3_000, firstByteTimeoutMs: 10_000, totalTimeoutMs: 15_000, targetIds: [randomUUID()] };

  it("defaults to 10 minutes and refuses a bound that is not a sane number of seconds, naming the field", () => {
    expect(poolProbeSettingsSchema.parse(settings).maxBackoffSeconds).toBe(600);
    expect(poolProbeSettingsSchema.parse({ ...settings, maxBackoffSeconds: "120" }).maxBackoffSeconds).toBe(120);
    for (const bad of ["5", "abc", "1.5", "100000"]) {
      const parsed = poolProbeSettingsSchema.safeParse({ ...settings, maxBackoffSeconds: bad });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0].path).toEqual(["maxBackoffSeconds"]);
    }
  });
});

describe("scheduling rules", () => {
  const attempt = (faultClass: ProbeAttempt["faultClass"], phase: ProbeAttempt["phase"]) => ({ faultClass, phase }) as ProbeAttempt;

  it("counts only failures of the node itself as a reason to skip its other targets", () => {
    expect(nodeItselfFailed(attempt("proxy_unreachable", "connect"))).toBe(true);
    expect(nodeItselfFailed(attempt("upstream_timeout", "tunnel"))).toBe(true);
    expect(nodeItselfFailed(attempt("tls_error", "proxy_tls"))).toBe(true);
    expect(nodeItselfFailed(attempt("reset", "tunnel"))).toBe(true);
    // The proxy answered, or the wait may be the target's.
    expect(nodeItselfFailed(attempt("proxy_502", "tunnel"))).toBe(false);
    expect(nodeItselfFailed(attempt("proxy_auth", "tunnel"))).toBe(false);
    expect(nodeItselfFailed(attempt("tunnel_failed", "tunnel"))).toBe(false);
    expect(nodeItselfFailed(attempt("upstream_timeout", "headers"))).toBe(false);
    expect(nodeItselfFailed(attempt("tls_error", "tls"))).toBe(false);
    expect(nodeItselfFailed(attempt("ok", "body"))).toBe(false);
  });

  it("doubles the delay per failed round after the first, within the pool's bound", () => {
    const node = { intervalSeconds: 60, maxBackoffSeconds: 600 };
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((streak) => nextDelayMs(node, streak) / 1000)).toEqual([60, 60, 120, 240, 480, 600, 600, 600]);
    // A bound below the interval never makes a node come more often than its interval.
    expect(nextDelayMs({ intervalSeconds: 60, maxBackoffSeconds: 10 }, 5)).toBe(60_000);
  });

  it("shortens a failing node's waits, but gives it the full timeouts every fourth round", () => {
    const base = { connectMs: 3_000, firstByteMs: 10_000, totalMs: 15_000 };
    expect(adaptiveTimeouts(base, 0)).toEqual(base);
    expect(adaptiveTimeouts(base, 1)).toEqual(base);
    expect(adaptiveTimeouts(base, 2)).toEqual({ connectMs: 1_500, firstByteMs: 5_000, totalMs: 15_000 });
    expect(adaptiveTimeouts(base, 4)).toEqual(base);
    expect(adaptiveTimeouts({ connectMs: 800, firstByteMs: 1_500, totalMs: 3_000 }, 3)).toEqual({ connectMs: 800, firstByteMs: 1_500, totalMs: 3_000 });
  });
});
