import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { LAB_CREDENTIALS, startFaultLab, type FaultLab, type LabProxySpec } from "@/lib/lab/fault-lab";
import type { ProxyBehaviour } from "@/lib/lab/proxy-behaviour";
import { TARGET_PATHS as P } from "@/lib/lab/target-server";
import { ipLiteralOnlyLookup } from "@/lib/probe/host-lookup";
import { claimDueNodes } from "@/lib/probe/probe-scheduler";
import { includeTargetForNode } from "@/lib/probe/target-mutations";
import { getDiagnosis } from "./data";
import { applyDiagnosisAction } from "./mutations";
import type { ActionKind, FailingHop } from "./schema";
import { startDiagnosis, type DiagnosisDeps } from "./start-diagnosis";

const operator = { kind: "user" as const, id: randomUUID(), label: "diagnoser@example.test", role: "operator" as const };
/** The pools' probe timeouts in this test: short, so hanging and slow rows stay quick. */
const POOL_TIMEOUTS = { connectTimeoutMs: 500, firstByteTimeoutMs: 1_000, totalTimeoutMs: 2_500 };

interface Row {
  name: string;
  kind: "http" | "https" | "socks5";
  behaviour?: ProxyBehaviour;
  /** Target path on the lab's http or https target, or "closed" (a target that is down). */
  target: { scheme: "http" | "https"; path: string } | "closed";
  /** The lab whose proxies wait 5 s upstream (so our own 1 s deadline fires first), else 600 ms. */
  patientLab?: boolean;
  /** Give the node wrong credentials (the proxy wants LAB_CREDENTIALS). */
  auth?: boolean;
  hop: FailingHop;
  action: ActionKind | null;
  headline?: RegExp;
}

const http = (path: string) => ({ scheme: "http" as const, path });
const https = (path: string) => ({ scheme: "https" as const, path });

// One row per behaviour the fault lab offers (proxy behaviours, and the upstream faults that come from targets).
const TABLE: Row[] = [
  { name: "healthy", kind: "http", target: http(P.ok), hop: "none", action: null, headline: /^Healthy: 3 of 3 attempts answered 200/ },
  { name: "healthy-https-proxy", kind: "https", target: https(P.ok), hop: "none", action: null },
  { name: "healthy-socks5", kind: "socks5", target: https(P.ok), hop: "none", action: null },
  { name: "refuse", kind: "http", behaviour: { kind: "refuse" }, target: http(P.ok), hop: "proxy", action: "disable", headline: /^Nothing listens on 127\.0\.0\.1:\d+/ },
  { name: "refuse-socks5", kind: "socks5", behaviour: { kind: "refuse" }, target: https(P.ok), hop: "proxy", action: "disable" },
  { name: "blackhole", kind: "http", behaviour: { kind: "blackhole" }, target: http(P.ok), hop: "network", action: "disable", headline: /does not accept connections/ },
  { name: "hang", kind: "http", behaviour: { kind: "hang" }, target: https(P.ok), hop: "proxy", action: "disable", headline: /never opens the tunnel/ },
  { name: "hang-forward", kind: "http", behaviour: { kind: "hang" }, target: http(P.ok), hop: "proxy", action: "disable" },
  { name: "hang-socks5", kind: "socks5", behaviour: { kind: "hang" }, target: https(P.ok), hop: "proxy", action: "disable" },
  { name: "auth", kind: "http", auth: true, target: http(P.ok), hop: "proxy", action: "disable", headline: /rejects this node's credentials/ },
  { name: "tunnel-403", kind: "http", behaviour: { kind: "tunnel_refused", status: 403 }, target: https(P.ok), hop: "proxy", action: "exclude_target", headline: /refuses to open a tunnel to this target/ },
  { name: "tunnel-405", kind: "http", behaviour: { kind: "tunnel_refused", status: 405 }, target: https(P.ok), hop: "proxy", action: "exclude_target" },
  { name: "socks5-not-allowed", kind: "socks5", behaviour: { kind: "tunnel_refused" }, target: https(P.ok), hop: "proxy", action: "exclude_target" },
  { name: "slow-proxy", kind: "http", behaviour: { kind: "slow", delayMs: 1_500 }, target: https(P.ok), hop: "proxy", action: "raise_first_byte_timeout", headline: /^This proxy needs [1-9]\.\d s to answer; this pool waits 1\.0 s\./ },
  { name: "slow-socks5", kind: "socks5", behaviour: { kind: "slow", delayMs: 1_500 }, target: https(P.ok), hop: "proxy", action: "raise_first_byte_timeout" },
  { name: "flaky", kind: "http", behaviour: { kind: "flaky", failRate: 0.5, seed: 42 }, target: http(P.ok), hop: "proxy", action: "disable", headline: /\(\d of 3 attempts\)/ },
  { name: "bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" }, target: http(P.ok), hop: "proxy", action: "disable", headline: /answers its own 502/ },
  { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" }, target: http(P.ok), hop: "proxy_upstream", action: "disable", headline: /its exit or parent is broken/ },
  { name: "unmarked-502", kind: "http", behaviour: { kind: "unmarked_error", status: 502 }, target: http(P.ok), hop: "proxy", action: "disable", headline: /answers its own 502/ },
  { name: "unmarked-503-nginx", kind: "http", behaviour: { kind: "unmarked_error", status: 503, page: "nginx" }, target: http(P.ok), hop: "proxy", action: "disable", headline: /answers its own 503/ },
  { name: "unmarked-504", kind: "http", behaviour: { kind: "unmarked_error", status: 504 }, target: http(P.ok), hop: "proxy", action: "disable", headline: /answers its own 504/ },
  { name: "garbage", kind: "http", behaviour: { kind: "garbage" }, target: http(P.ok), hop: "proxy", action: "disable", headline: /garbage instead of HTTP or SOCKS/ },
  { name: "garbage-socks5", kind: "socks5", behaviour: { kind: "garbage" }, target: https(P.ok), hop: "proxy", action: "disable" },
  { name: "reset-after-connect", kind: "http", behaviour: { kind: "reset_after_connect" }, target: https(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "dead-parent", kind: "http", behaviour: { kind: "dead_parent" }, target: http(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "dead-parent-socks5", kind: "socks5", behaviour: { kind: "dead_parent" }, target: https(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "socks-0x01", kind: "socks5", behaviour: { kind: "socks_reply", code: 1 }, target: https(P.ok), hop: "proxy", action: "disable" },
  { name: "socks-0x02", kind: "socks5", behaviour: { kind: "socks_reply", code: 2 }, target: https(P.ok), hop: "proxy", action: "exclude_target" },
  { name: "socks-0x03", kind: "socks5", behaviour: { kind: "socks_reply", code: 3 }, target: https(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "socks-0x04", kind: "socks5", behaviour: { kind: "socks_reply", code: 4 }, target: https(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "socks-0x05", kind: "socks5", behaviour: { kind: "socks_reply", code: 5 }, target: https(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "socks-0x06", kind: "socks5", behaviour: { kind: "socks_reply", code: 6 }, target: https(P.ok), hop: "proxy_upstream", action: "disable" },
  { name: "socks-0x07", kind: "socks5", behaviour: { kind: "socks_reply", code: 7 }, target: https(P.ok), hop: "proxy", action: "disable" },
  { name: "socks-0x08", kind: "socks5", behaviour: { kind: "socks_reply", code: 8 }, target: https(P.ok), hop: "proxy", action: "disable" },
  // Upstream faults that come from the target: every node sees them.
  { name: "target-502", kind: "http", target: http(`${P.status}502`), hop: "target", action: null, headline: /^The target answers 502 through every node tried: not a proxy problem/ },
  { name: "target-502-tunnel", kind: "http", target: https(`${P.status}502`), hop: "target", action: null, headline: /answers 502 through every node tried/ },
  { name: "target-503", kind: "socks5", target: https(`${P.status}503`), hop: "target", action: null },
  { name: "target-down", kind: "http", target: "closed", hop: "target", action: null, headline: /not a proxy problem/ },
  { name: "target-blocks", kind: "http", target: http(P.forbidden), hop: "target", action: null, headline: /^The target blocks every node tried \(target answered 403\): not a proxy problem/ },
  { name: "target-captcha", kind: "http", target: https(P.captcha), hop: "target", action: null },
  { name: "target-garbage", kind: "http", target: https(P.invalid), hop: "target", action: null },
  { name: "target-slow-behind-proxy-timeout", kind: "http", target: http(`${P.slowHeaders}?ms=1500`), hop: "target", action: null, headline: /answers 504 through every node tried/ },
  // tinyproxy's way: the proxy hangs up on the slow target without a word; the control node's proxy answers 504.
  { name: "target-slow-behind-silent-proxy", kind: "http", behaviour: { kind: "silent_upstream_errors" }, target: http(`${P.slowHeaders}?ms=1500`), hop: "target", action: null, headline: /through every node tried: not a proxy problem/ },
  { name: "target-slow-behind-our-timeout", kind: "http", target: http(`${P.slowHeaders}?ms=1600`), patientLab: true, hop: "target", action: "raise_first_byte_timeout", headline: /^The target needs 1\.\d s to answer; this pool waits 1\.0 s/ },
];

let lab: FaultLab;
let patientLab: FaultLab;
let deps: DiagnosisDeps;
const rows = new Map<string, { nodeId: string; targetId: string; poolId: string }>();

function specs(patient: boolean): LabProxySpec[] {
  return TABLE.filter((row) => Boolean(row.patientLab) === patient).flatMap((row) => [
    { name: row.name, kind: row.kind, behaviour: row.behaviour, auth: row.auth ? LAB_CREDENTIALS : undefined },
    // Each row's own known-good node: a control never shared with another row's broken nodes.
    { name: `${row.name}-control`, kind: "http" as const },
  ]);
}

beforeAll(async () => {
  [lab, patientLab] = await Promise.all([
    startFaultLab({ proxies: specs(false), upstreamTimeoutMs: 600 }),
    startFaultLab({ proxies: specs(true), upstreamTimeoutMs: 5_000 }),
  ]);
  deps = { check: { lookup: ipLiteralOnlyLookup, ca: [lab.manifest().certPem, patientLab.manifest().certPem] }, patientFirstByteMs: 4_000 };
  for (const row of TABLE) {
    const l = row.patientLab ? patientLab : lab;
    const url = row.target === "closed" ? `${l.closedTargetUrl}/ok` : `${row.target.scheme === "https" ? l.httpsTarget.baseUrl : l.httpTarget.baseUrl}${row.target.path}`;
    const target = await prisma.probeTarget.upsert({ where: { url }, create: { url }, update: {} });
    const echoUrl = `${l.httpTarget.baseUrl}${P.ipEcho}`;
    const echo = await prisma.probeTarget.upsert({ where: { url: echoUrl }, create: { url: echoUrl }, update: {} });
    const pool = await prisma.pool.create({ data: { name: `diagnose-${row.name}-${randomUUID()}`, probeSettings: { create: { enabled: false, ...POOL_TIMEOUTS, targetIds: [target.id, echo.id] } } } });
    const proxy = l.proxy(row.name);
    const control = l.proxy(`${row.name}-control`);
    const node = await prisma.proxyNode.create({
      data: { scheme: row.kind, host: "127.0.0.1", port: proxy.port, username: row.auth ? "wrong" : "", label: `diagnose ${row.name}`, pools: { create: [{ poolId: pool.id }] } },
    });
    await prisma.proxyNode.create({ data: { scheme: "http", host: "127.0.0.1", port: control.port, label: `control of ${row.name}`, pools: { create: [{ poolId: pool.id }] } } });
    rows.set(row.name, { nodeId: node.id, targetId: target.id, poolId: pool.id });
  }
});
afterAll(() => Promise.all([lab?.close(), patientLab?.close()]));

describe("Diagnose: the verdict for every lab behaviour (real lab, stored)", () => {
  it.concurrent.each(TABLE.map((row) => [`${row.name} ⇒ ${row.hop}, ${row.action ?? "no action"}`, row] as const))("%s", async (_title, row) => {
    const { nodeId, targetId } = rows.get(row.name)!;
    const started = await startDiagnosis(operator, { nodeId, targetId }, deps);
    if (!started.ok) throw new Error(JSON.stringify(started.fieldErrors));
    await started.done;
    const diagnosis = (await getDiagnosis(started.id))!;
    const target = diagnosis.steps.find((s) => s.key === "target");
    const evidence = { status: diagnosis.status, error: diagnosis.error, verdict: diagnosis.verdict, target: target?.details, control: diagnosis.steps.find((s) => s.key === "control")?.summary };
    expect(evidence).toMatchObject({ status: "done", verdict: { failingHop: row.hop, action: row.action === null ? null : { kind: row.action } } });
    if (row.headline) expect(diagnosis.verdict!.headline).toMatch(row.headline);
    // Every step of the checklist is stored, in order, each with a status.
    expect(diagnosis.steps.map((s) => s.key)).toEqual(["resolve", "connect", "handshake", "target", "control", "signature", "exit_ip"]);
    // On the node's timeline, linked to the stored diagnosis.
    const event = await prisma.auditEvent.findFirst({ where: { nodeId, action: "node.diagnosed" }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ reason: diagnosis.verdict!.headline, after: { diagnosisId: started.id, failingHop: row.hop } });
  });
});

describe("Diagnose steps", () => {
  it("reads connect and handshake off the first attempt, times every attempt, and names the exit IP", async () => {
    const { nodeId, targetId } = rows.get("healthy-socks5")!;
    const started = await startDiagnosis(operator, { nodeId, targetId }, deps);
    if (!started.ok) throw new Error("not started");
    await started.done;
    const steps = Object.fromEntries((await getDiagnosis(started.id))!.steps.map((s) => [s.key, s]));
    expect(steps.resolve).toMatchObject({ status: "ok", summary: "127.0.0.1 is an IP literal (no lookup)" });
    expect(steps.connect.status).toBe("ok");
    expect(steps.handshake).toMatchObject({ status: "ok", summary: expect.stringMatching(/SOCKS5 greeting, auth and CONNECT reply \(tunnel open after [\d.]+ ms\)/) });
    expect(steps.target.attempts).toHaveLength(3);
    for (const a of steps.target.attempts) expect(a).toMatchObject({ via: "node", faultClass: "ok", connectMs: expect.any(Number), tunnelMs: expect.any(Number), tlsMs: expect.any(Number), firstByteMs: expect.any(Number) });
    expect(steps.control.status).toBe("skipped");
    expect(steps.exit_ip).toMatchObject({ status: "ok", summary: `${lab.proxy("healthy-socks5").exitIp}, not shared with any other node` });
  });

  it("shows the response signature of an unmarked proxy page and of a marked one", async () => {
    for (const [name, pattern] of [
      ["unmarked-503-nginx", /written by nginx/],
      ["bad-gateway", /proxy error marker: /],
    ] as const) {
      const { nodeId, targetId } = rows.get(name)!;
      const started = await startDiagnosis(operator, { nodeId, targetId }, deps);
      if (!started.ok) throw new Error("not started");
      await started.done;
      const signature = (await getDiagnosis(started.id))!.steps.find((s) => s.key === "signature")!;
      expect(signature.details.join("\n")).toMatch(pattern);
    }
  });

  it("refuses an unknown node or target, and a node without any target to use", async () => {
    expect(await startDiagnosis(operator, { nodeId: randomUUID() }, deps)).toMatchObject({ ok: false, code: "not_found" });
    const { nodeId } = rows.get("healthy")!;
    expect(await startDiagnosis(operator, { nodeId, targetId: randomUUID() }, deps)).toMatchObject({ ok: false, code: "not_found", fieldErrors: { targetId: "No such target." } });
  });
});

describe("the recommended action, one click away", () => {
  async function diagnose(name: string) {
    const { nodeId, targetId } = rows.get(name)!;
    const started = await startDiagnosis(operator, { nodeId, targetId }, deps);
    if (!started.ok) throw new Error("not started");
    await started.done;
    return started.id;
  }

  it("disables the node, audited with the verdict, once", async () => {
    const id = await diagnose("unmarked-504");
    const { nodeId } = rows.get("unmarked-504")!;
    expect(await applyDiagnosisAction(operator, id)).toMatchObject({ ok: true, outcome: "Node disabled." });
    const node = await prisma.proxyNode.findUniqueOrThrow({ where: { id: nodeId } });
    expect(node).toMatchObject({ state: "DISABLED", stateReason: expect.stringMatching(/^Diagnose: The proxy answers its own 504/) });
    expect((await getDiagnosis(id))!.actionApplied).toMatchObject({ by: operator.label, outcome: "Node disabled." });
    expect(await applyDiagnosisAction(operator, id)).toMatchObject({ ok: false, code: "conflict" });
    expect(await prisma.auditEvent.count({ where: { nodeId, action: "node.disabled" } })).toBe(1);
  });

  it("raises the pool's first-byte timeout to what the target needs", async () => {
    const id = await diagnose("target-slow-behind-our-timeout");
    const { poolId } = rows.get("target-slow-behind-our-timeout")!;
    const applied = await applyDiagnosisAction(operator, id);
    expect(applied).toMatchObject({ ok: true, outcome: "First-byte timeout is now 3 s." });
    const settings = await prisma.poolProbeSettings.findUniqueOrThrow({ where: { poolId } });
    expect(settings).toMatchObject({ firstByteTimeoutMs: 3_000, totalTimeoutMs: 4_500 });
    expect(await prisma.auditEvent.findFirst({ where: { subjectId: poolId, action: "pool.probe_settings_changed" } })).not.toBeNull();
  });

  it("excludes the target for the node, and the scheduler leaves the pair out", async () => {
    const id = await diagnose("tunnel-403");
    const { nodeId, targetId } = rows.get("tunnel-403")!;
    expect(await applyDiagnosisAction(operator, id)).toMatchObject({ ok: true });
    expect(await prisma.nodeTargetExclusion.findUnique({ where: { nodeId_targetId: { nodeId, targetId } } })).toMatchObject({ createdBy: operator.label });
    expect(await prisma.auditEvent.findFirst({ where: { nodeId, action: "node.target_excluded" } })).toMatchObject({ after: { targetId } });
    // The scheduler claims the node with the pool's other target only.
    const { poolId } = rows.get("tunnel-403")!;
    const settings = await prisma.poolProbeSettings.update({ where: { poolId }, data: { enabled: true } });
    const claimed = await claimDueNodes({ owner: `diagnose-test-${randomUUID()}`, limit: 10, leaseMs: 60_000, poolIds: [poolId] });
    expect(claimed.find((c) => c.id === nodeId)?.targetIds).toEqual(settings.targetIds.filter((id) => id !== targetId));
    expect(claimed.find((c) => c.id !== nodeId)?.targetIds).toEqual(settings.targetIds);
    // And back: probed again, audited.
    expect(await includeTargetForNode(operator, { nodeId, targetId })).toEqual({ ok: true });
    expect(await prisma.nodeTargetExclusion.count({ where: { nodeId } })).toBe(0);
    expect(await prisma.auditEvent.findFirst({ where: { nodeId, action: "node.target_included" } })).not.toBeNull();
  });

  it("rotates a node whose exit the target blocks, and the node then passes", async () => {
    // A rotating proxy whose first exit the target blocks (403 to that source address only), and a control node.
    const rotating = await startFaultLab({ proxies: [{ name: "rotating", kind: "http", exitAddresses: ["127.0.3.1", "127.0.3.2"] }, { name: "rotating-control", kind: "http" }] });
    try {
      const url = `${rotating.httpTarget.baseUrl}${P.denyFrom}?ip=127.0.3.1`;
      const target = await prisma.probeTarget.create({ data: { url } });
      const echoUrl = `${rotating.httpTarget.baseUrl}${P.ipEcho}`;
      const echo = await prisma.probeTarget.upsert({ where: { url: echoUrl }, create: { url: echoUrl }, update: {} });
      const pool = await prisma.pool.create({ data: { name: `diagnose-rotate-${randomUUID()}`, probeSettings: { create: { enabled: false, ...POOL_TIMEOUTS, targetIds: [target.id, echo.id] } } } });
      const node = await prisma.proxyNode.create({
        data: { scheme: "http", host: "127.0.0.1", port: rotating.proxy("rotating").port, label: "diagnose rotating", rotationUrl: `${rotating.controlUrl}/rotate?proxy=rotating`, pools: { create: [{ poolId: pool.id }] } },
      });
      await prisma.proxyNode.create({ data: { scheme: "http", host: "127.0.0.1", port: rotating.proxy("rotating-control").port, label: "control of rotating", pools: { create: [{ poolId: pool.id }] } } });
      const rotateDeps = { lookup: ipLiteralOnlyLookup, check: { lookup: ipLiteralOnlyLookup }, confirmPauseMs: 50 };

      const first = await startDiagnosis(operator, { nodeId: node.id, targetId: target.id }, deps);
      if (!first.ok) throw new Error("not started");
      await first.done;
      expect((await getDiagnosis(first.id))!.verdict).toMatchObject({ failingHop: "target", action: { kind: "rotate" }, headline: expect.stringMatching(/^The target refuses this node .*403.*it blocks this node's exit/) });

      expect(await applyDiagnosisAction(operator, first.id, rotateDeps)).toMatchObject({ ok: true, outcome: "Exit IP changed from 127.0.3.1 to 127.0.3.2." });
      expect(await prisma.auditEvent.findFirst({ where: { nodeId: node.id, action: "node.rotated" } })).toMatchObject({ after: { exitIp: "127.0.3.2", changed: true } });

      const again = await startDiagnosis(operator, { nodeId: node.id, targetId: target.id }, deps);
      if (!again.ok) throw new Error("not started");
      await again.done;
      expect((await getDiagnosis(again.id))!.verdict).toMatchObject({ failingHop: "none", action: null });
    } finally {
      await rotating.close();
    }
  });

  it("refuses a diagnosis that recommends nothing", async () => {
    const id = await diagnose("healthy");
    expect(await applyDiagnosisAction(operator, id)).toMatchObject({ ok: false, code: "conflict", fieldErrors: { form: "This diagnosis recommends no action." } });
  });
});
