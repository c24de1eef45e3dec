import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { changeNodeState } from "@/lib/nodes/mutations";
import { AUTOMATION_LABEL, backoffMs, evaluateHealth } from "./health-machine";
import { setNodesPinned } from "./mutations";

const operator = { kind: "user" as const, id: randomUUID(), label: "ops@example.test", role: "operator" as const };

let poolId: string;
let nodeId: string;
let targetId: string;
let clock: Date;
let retestOutcome: string[];
let retests: number;

const now = () => clock;
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

const ORIGIN: Record<string, string> = { ok: "none", target_502: "target", blocked: "target" };

async function addResults(classes: string[], source = "probe") {
  for (const cls of classes) {
    await prisma.probeResult.create({
      data: { nodeId, targetId, startedAt: clock, totalMs: 50, faultClass: cls, bucket: cls === "ok" ? "ok" : cls === "blocked" ? "other_failure" : "502", faultOrigin: ORIGIN[cls] ?? "proxy", reason: "test", source },
    });
    advance(10);
  }
}

const retest = async () => {
  retests++;
  await addResults([retestOutcome.shift() ?? "ok"]);
};

async function round() {
  return evaluateHealth({ now, random: () => 0.5, retest, poolIds: [poolId] });
}

async function nodeAndHealth() {
  const node = await prisma.proxyNode.findUniqueOrThrow({ where: { id: nodeId } });
  const health = await prisma.nodeHealth.findUniqueOrThrow({ where: { nodeId } });
  return { node, health };
}

beforeEach(async () => {
  poolId = randomUUID();
  nodeId = randomUUID();
  targetId = randomUUID();
  clock = new Date();
  retestOutcome = [];
  retests = 0;
  await prisma.pool.create({ data: { id: poolId, name: `health-${poolId}` } });
  await prisma.probeTarget.create({ data: { id: targetId, url: `http://h-${targetId}.test/` } });
  await prisma.poolProbeSettings.create({ data: { poolId, enabled: false, targetIds: [targetId] } });
  await prisma.proxyNode.create({ data: { id: nodeId, scheme: "http", host: `10.8.${poolId}`, port: 3128, pools: { create: [{ poolId }] } } });
  await prisma.poolHealthPolicy.create({
    data: { poolId, maxConsecutiveFailures: 3, readmitAfterSuccesses: 2, backoffBaseSeconds: 10, backoffMaxSeconds: 80, minSamples: 1000, max502504Rate: 0.5 },
  });
});

describe("automatic health", () => {
  it("backoff doubles per attempt, is capped, and jitters ±20 %", () => {
    const policy = { backoffBaseSeconds: 10, backoffMaxSeconds: 80 };
    expect(backoffMs(policy, 0, () => 0.5)).toBe(10_000);
    expect(backoffMs(policy, 2, () => 0.5)).toBe(40_000);
    expect(backoffMs(policy, 9, () => 0.5)).toBe(80_000);
    expect(backoffMs(policy, 0, () => 0)).toBe(8_000);
    expect(backoffMs(policy, 0, () => 1)).toBe(12_000);
  });

  it("ejects after consecutive failures, backs off, re-admits after N successes, then probation → healthy", async () => {
    await addResults(["ok", "proxy_502", "target_502", "proxy_502"]);
    expect(await round()).toEqual([]); // 2 node failures in a row (the target's 502 does not count)
    await addResults(["reset"]);
    const [ejection] = await round();
    expect(ejection).toMatchObject({ from: "healthy", to: "ejected" });
    let { node, health } = await nodeAndHealth();
    expect(node).toMatchObject({ state: "DISABLED", stateChangedBy: AUTOMATION_LABEL });
    expect(node.stateReason).toMatch(/^auto: 3 node-caused failures in a row/);
    expect(health).toMatchObject({ state: "ejected", attempts: 0 });
    expect(health.nextCheckAt!.getTime() - clock.getTime()).toBeCloseTo(10_000, -2);

    // Not due yet: no re-test.
    advance(5_000);
    await round();
    expect(retests).toBe(0);

    // Due: the re-test fails → attempts 1, backoff 20 s.
    advance(6_000);
    retestOutcome = ["proxy_504"];
    await round();
    ({ health } = await nodeAndHealth());
    expect(retests).toBe(1);
    expect(health).toMatchObject({ state: "ejected", attempts: 1 });
    expect(health.nextCheckAt!.getTime() - clock.getTime()).toBeCloseTo(20_000, -2);

    // Two successful re-tests in a row → probation, ENABLED again.
    advance(21_000);
    retestOutcome = ["ok"];
    await round();
    expect((await nodeAndHealth()).health.state).toBe("ejected");
    advance(11_000);
    retestOutcome = ["ok"];
    const readmit = await round();
    expect(readmit.at(-1)).toMatchObject({ to: "probation" });
    ({ node, health } = await nodeAndHealth());
    expect(node.state).toBe("ENABLED");
    expect(health.state).toBe("probation");

    // Probation: two more successes → healthy.
    await addResults(["ok", "ok"]);
    expect((await round())[0]).toMatchObject({ from: "probation", to: "healthy" });

    const audit = await prisma.auditEvent.findMany({ where: { nodeId }, orderBy: { id: "asc" } });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ["node.auto_ejected", AUTOMATION_LABEL],
      ["node.auto_readmitted", AUTOMATION_LABEL],
    ]);
  });

  it("a failure on probation ejects again with a longer backoff", async () => {
    await addResults(["proxy_502", "proxy_502", "proxy_502"]);
    await round();
    advance(11_000);
    retestOutcome = ["ok"];
    await round();
    advance(11_000);
    retestOutcome = ["ok"];
    await round();
    expect((await nodeAndHealth()).health.state).toBe("probation");
    await addResults(["upstream_timeout"]);
    expect((await round())[0]).toMatchObject({ from: "probation", to: "ejected" });
    const { health } = await nodeAndHealth();
    expect(health.attempts).toBe(1);
    expect(health.nextCheckAt!.getTime() - clock.getTime()).toBeCloseTo(20_000, -2);
  });

  it("caller-reported results never eject a node, nor reset a failing streak", async () => {
    await addResults(["proxy_502", "proxy_502", "proxy_502", "proxy_502", "proxy_502"], "caller");
    await round();
    expect((await nodeAndHealth()).node.state).toBe("ENABLED");
    await addResults(["proxy_502", "proxy_502"]);
    await addResults(["ok"], "caller");
    await addResults(["proxy_502"]);
    await round();
    expect((await nodeAndHealth()).node.state).toBe("DISABLED");
  });

  it("the one health rule: a target-caused 502 burst and blocks never eject, node-caused failures do", async () => {
    await prisma.poolHealthPolicy.update({ where: { poolId }, data: { minSamples: 10, max502504Rate: 0.5, maxConsecutiveFailures: 3 } });
    await addResults(Array(20).fill("target_502"));
    await addResults(Array(5).fill("blocked"));
    expect(await round()).toEqual([]);
    expect((await nodeAndHealth()).node.state).toBe("ENABLED");
    await addResults(["proxy_502", "proxy_502", "proxy_502"]);
    const [ejection] = await round();
    expect(ejection).toMatchObject({ to: "ejected", reason: "3 node-caused failures in a row" });
  });

  it("ejects on the 502/504 rate over the window", async () => {
    await prisma.poolHealthPolicy.update({ where: { poolId }, data: { minSamples: 6, max502504Rate: 0.5, maxConsecutiveFailures: 100 } });
    await addResults(["ok", "proxy_502", "ok", "proxy_504", "ok"]);
    expect(await round()).toEqual([]); // 5 samples < 6
    await addResults(["reset"]);
    const [t] = await round();
    expect(t.reason).toMatch(/502\/504 rate 50%/);
  });

  it("leaves pinned nodes alone and lets go when an operator takes an ejected node over", async () => {
    await setNodesPinned(operator, [nodeId], true);
    await addResults(["proxy_502", "proxy_502", "proxy_502", "proxy_502"]);
    expect(await round()).toEqual([]);
    expect((await nodeAndHealth()).node.state).toBe("ENABLED");

    await setNodesPinned(operator, [nodeId], false);
    await addResults(["proxy_502"]);
    expect((await round())[0]).toMatchObject({ to: "ejected" });
    await changeNodeState(operator, { nodeIds: [nodeId], state: "ENABLED", reason: "" });
    expect((await round())[0]).toMatchObject({ from: "ejected", to: "healthy", reason: "operator changed the state" });
    expect((await nodeAndHealth()).node.state).toBe("ENABLED");
    const actions = (await prisma.auditEvent.findMany({ where: { nodeId }, orderBy: { id: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["node.pinned", "node.unpinned", "node.auto_ejected", "node.enabled"]);
  });

  it("concurrent pin, operator changes and evaluations never leave a pinned node changed by automation", async () => {
    await addResults(["proxy_502", "proxy_502", "proxy_502", "proxy_502", "proxy_502"]);
    // The pin and the evaluator race; whichever locks the node first wins, the other sees it.
    await Promise.all([setNodesPinned(operator, [nodeId], true), round(), round(), changeNodeState(operator, { nodeIds: [nodeId], state: "ENABLED", reason: "" })]);
    const { node, health } = await nodeAndHealth();
    expect(health.pinned).toBe(true);
    const audit = await prisma.auditEvent.findMany({ where: { nodeId }, orderBy: { id: "asc" } });
    const pinAt = audit.findIndex((e) => e.action === "node.pinned");
    // No automation event after the pin.
    expect(audit.slice(pinAt + 1).filter((e) => e.actor === AUTOMATION_LABEL)).toEqual([]);
    // The node's final state is the last writer's, and the audit trail agrees with it.
    const stateEvents = audit.filter((e) => e.action !== "node.pinned");
    const last = stateEvents.at(-1);
    expect(last ? (last.after as { state: string }).state : "ENABLED").toBe(node.state);
    // More evaluations with more failures: still untouched.
    await addResults(["proxy_502", "proxy_502", "proxy_502"]);
    await Promise.all([round(), round()]);
    expect((await nodeAndHealth()).node.state).toBe(node.state);
  });
});
