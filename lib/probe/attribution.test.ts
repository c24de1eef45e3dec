import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { labLookup } from "@/lib/lab/lab-lookup";
import { TARGET_PATHS } from "@/lib/lab/target-server";
import { Attributor, type ControlNodeSource } from "./attribution";
import { applyControl, needsSecondPath } from "./control-check";
import type { FaultBucket, FaultClass, FaultOrigin, Responder } from "./fault-taxonomy";
import { runProbeCheck, type ProbeAttempt, type ProbeCheckOptions, type ProbeNode, type ProbeTargetSpec } from "./probe-check";

const TIMEOUTS = { connectMs: 500, firstByteMs: 1_200, totalMs: 2_500 };
let lab: FaultLab;
let options: ProbeCheckOptions;

beforeAll(async () => {
  lab = await startFaultLab({
    proxies: [
      { name: "http-healthy", kind: "http" },
      { name: "socks5-healthy", kind: "socks5" },
      { name: "http-unmarked-502", kind: "http", behaviour: { kind: "unmarked_error", status: 502 } },
      { name: "http-unmarked-503-nginx", kind: "http", behaviour: { kind: "unmarked_error", status: 503, page: "nginx" } },
      { name: "http-unmarked-504", kind: "http", behaviour: { kind: "unmarked_error", status: 504 } },
      { name: "http-dead-parent", kind: "http", behaviour: { kind: "dead_parent" } },
      { name: "socks5-dead-parent", kind: "socks5", behaviour: { kind: "dead_parent" } },
      { name: "http-reset-after-connect", kind: "http", behaviour: { kind: "reset_after_connect" } },
      { name: "http-gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
      { name: "http-hang", kind: "http", behaviour: { kind: "hang" } },
      { name: "http-garbage", kind: "http", behaviour: { kind: "garbage" } },
      { name: "socks5-garbage", kind: "socks5", behaviour: { kind: "garbage" } },
      { name: "https-healthy", kind: "https" },
      { name: "http-silent-upstream-errors", kind: "http", behaviour: { kind: "silent_upstream_errors" } },
    ],
    upstreamTimeoutMs: 600,
  });
  options = { timeouts: TIMEOUTS, ca: lab.manifest().certPem, lookup: labLookup };
});
afterAll(() => lab?.close());

function node(name: string, id = name): ProbeNode {
  const proxy = lab.proxy(name);
  return { id, scheme: proxy.kind, host: "127.0.0.1", port: proxy.port };
}

/** A known-good node of the lab as the control source (the database one is tested in probe-persistence). */
function controlVia(name: string): ControlNodeSource & { picks: number } {
  const source = {
    picks: 0,
    async pick(nodeId: string) {
      source.picks++;
      return nodeId === name ? null : node(name);
    },
  };
  return source;
}

function target(kind: "http" | "https", path: string): ProbeTargetSpec {
  const base = kind === "https" ? lab.httpsTarget.baseUrl : lab.httpTarget.baseUrl;
  return { id: `${kind}${path}`, url: `${base}${path}` };
}

interface Row {
  proxy: string;
  target: ProbeTargetSpec | (() => ProbeTargetSpec);
  /** One path's answer (probe-check.test.ts has the full single-path table). */
  alone: `${Responder}/${FaultOrigin}`;
  /** After the control request through socks5-healthy. */
  expect: { faultClass: FaultClass; bucket: FaultBucket; who: `${Responder}/${FaultOrigin}`; originEvidence: string };
}

const P = TARGET_PATHS;
// Lab behaviours whose blame one path cannot settle, and what a control request makes of them.
const TABLE: Row[] = [
  { proxy: "http-unmarked-502", target: () => target("http", P.ok), alone: "unknown/unknown", expect: { faultClass: "proxy_502", bucket: "502", who: "proxy/proxy", originEvidence: "control" } },
  { proxy: "http-unmarked-503-nginx", target: () => target("http", P.ok), alone: "unknown/unknown", expect: { faultClass: "proxy_502", bucket: "502", who: "proxy/proxy", originEvidence: "control" } },
  { proxy: "http-unmarked-504", target: () => target("http", P.ok), alone: "unknown/unknown", expect: { faultClass: "proxy_504", bucket: "504", who: "proxy/proxy", originEvidence: "control" } },
  { proxy: "http-dead-parent", target: () => target("http", P.ok), alone: "proxy/target", expect: { faultClass: "proxy_502", bucket: "502", who: "proxy/proxy", originEvidence: "control" } },
  { proxy: "socks5-dead-parent", target: () => target("https", P.ok), alone: "proxy/target", expect: { faultClass: "proxy_502", bucket: "502", who: "proxy/proxy", originEvidence: "control" } },
  { proxy: "http-reset-after-connect", target: () => target("https", P.ok), alone: "none/unknown", expect: { faultClass: "reset", bucket: "502", who: "none/proxy", originEvidence: "control" } },
  { proxy: "http-gateway-timeout", target: () => target("http", P.ok), alone: "proxy/unknown", expect: { faultClass: "proxy_504", bucket: "504", who: "proxy/proxy", originEvidence: "control" } },
  // The target's own 502, relayed without a marker: the control sees it too.
  { proxy: "http-healthy", target: () => target("http", `${P.status}502`), alone: "unknown/unknown", expect: { faultClass: "target_502", bucket: "502", who: "target/target", originEvidence: "control" } },
  // A target that is down: the proxy says so, and the control path agrees.
  { proxy: "http-healthy", target: () => ({ id: "closed", url: `${lab.closedTargetUrl}/ok` }), alone: "proxy/target", expect: { faultClass: "proxy_502", bucket: "502", who: "proxy/target", originEvidence: "control" } },
  // A slow target behind a proxy with a short upstream timeout: the proxy's 504 is the target's fault.
  { proxy: "http-healthy", target: () => target("http", `${P.slowHeaders}?ms=2000`), alone: "proxy/unknown", expect: { faultClass: "proxy_504", bucket: "504", who: "proxy/target", originEvidence: "control" } },
  // The same slow target behind a proxy that gives up by hanging up (tinyproxy's way): the hang-up
  // looks like the proxy's own, but the control waits in vain too (the target is slow on every path).
  { proxy: "http-silent-upstream-errors", target: () => target("http", `${P.slowHeaders}?ms=2000`), alone: "proxy/proxy", expect: { faultClass: "reset", bucket: "502", who: "proxy/target", originEvidence: "control" } },
  // It hangs up on a target that is down too; the control node's proxy says the target refused.
  { proxy: "http-silent-upstream-errors", target: () => ({ id: "closed", url: `${lab.closedTargetUrl}/ok` }), alone: "proxy/proxy", expect: { faultClass: "reset", bucket: "502", who: "proxy/target", originEvidence: "control" } },
];

describe("control requests settle what one path cannot", () => {
  it.concurrent.each(TABLE.map((row) => [`${row.proxy} → ${typeof row.target === "function" ? "" : row.target.url} ⇒ ${row.expect.who}`, row] as const))("%s", async (_t, row) => {
    const spec = typeof row.target === "function" ? row.target() : row.target;
    const attribution = new Attributor({ controls: controlVia("socks5-healthy"), check: options });
    const alone = await runProbeCheck(node(row.proxy), spec, options);
    expect({ who: `${alone.responder}/${alone.faultOrigin}`, reason: alone.reason }).toMatchObject({ who: row.alone });
    const refined = await attribution.refine(alone, spec, TIMEOUTS);
    expect({ faultClass: refined.faultClass, bucket: refined.bucket, who: `${refined.responder}/${refined.faultOrigin}`, originEvidence: refined.originEvidence, reason: refined.reason }).toMatchObject(
      row.expect,
    );
    expect(attribution.stats.controls).toBe(1);
  });

  it("never asks for a second opinion on what one path settles, and never uses the node as its own control", async () => {
    const controls = controlVia("socks5-healthy");
    const attribution = new Attributor({ controls, check: options });
    const ok = await runProbeCheck(node("http-healthy"), target("http", P.ok), options);
    const blocked = await runProbeCheck(node("http-healthy"), target("http", P.forbidden), options);
    const tunnel502 = await runProbeCheck(node("http-healthy"), target("https", `${P.status}502`), options);
    for (const attempt of [ok, blocked, tunnel502]) expect(await attribution.refine(attempt, target("http", P.ok))).toBe(attempt);
    expect(controls.picks).toBe(0);
    const own = await runProbeCheck(node("socks5-healthy"), target("http", `${P.status}502`), options);
    const refined = await attribution.refine(own, target("http", `${P.status}502`), TIMEOUTS);
    expect(refined.originEvidence).not.toBe("control");
  });
});

describe("node-level failures spend no control request", () => {
  // What the phase rule already pins on the proxy: the node failed before the target was asked.
  const cases: [string, () => Promise<ProbeAttempt>][] = [
    ["silence before the tunnel opens", () => runProbeCheck(node("http-hang"), target("https", P.ok), options)],
    ["garbage instead of the proxy's status line", () => runProbeCheck(node("http-garbage"), target("http", P.ok), options)],
    ["garbage instead of a SOCKS reply", () => runProbeCheck(node("socks5-garbage"), target("https", P.ok), options)],
    ["TLS handshake with the proxy failed", () => runProbeCheck(node("https-healthy"), target("http", P.ok), { ...options, ca: undefined })],
    ["connect refused", () => runProbeCheck({ id: "closed", scheme: "http", host: "127.0.0.1", port: Number(new URL(lab.closedTargetUrl).port) }, target("http", P.ok), options)],
  ];
  it.concurrent.each(cases)("%s", async (_name, run) => {
    const controls = controlVia("socks5-healthy");
    const attribution = new Attributor({ controls, check: options });
    const attempt = await run();
    expect({ origin: attempt.faultOrigin, evidence: attempt.originEvidence, reason: attempt.reason }).toMatchObject({ origin: expect.stringMatching(/^(proxy|network)$/), evidence: "phase" });
    expect(await attribution.refine(attempt, target("http", P.ok), TIMEOUTS)).toBe(attempt);
    expect(controls.picks).toBe(0);
    expect(attribution.stats.controls).toBe(0);
  });
});

describe("control budget and cache", () => {
  it("does not reuse a failed control answer to pin later failures on the target", async () => {
    let clock = 5_000_000;
    // The control node fails (as a control does under load, or while the target blips): its answer
    // settles the attempt that asked for it, and is inconclusive for the others in the window.
    const controls = controlVia("http-unmarked-502");
    const attribution = new Attributor({ controls, check: options, controlBurst: 5, now: () => clock });
    const spec = target("http", P.ok);
    const first = await attribution.refine(await runProbeCheck(node("http-unmarked-502", "a"), spec, options), spec, TIMEOUTS);
    expect(first).toMatchObject({ faultOrigin: "target", originEvidence: "control" });
    for (const id of ["b", "c"]) {
      clock += 5_000;
      const later = await attribution.refine(await runProbeCheck(node("http-unmarked-502", id), spec, options), spec, TIMEOUTS);
      expect({ origin: later.faultOrigin, evidence: later.originEvidence, reason: later.reason }).toMatchObject({ origin: "unknown", evidence: "none", reason: expect.stringMatching(/control request on this target failed 1?[05] s ago.*inconclusive/) });
    }
    expect(attribution.stats).toMatchObject({ controls: 1, controlCacheHits: 2, controlInconclusive: 2, decidedByControl: 1 });
  });

  it("a failed control answer does not shut out the cohort", async () => {
    let clock = 7_000_000;
    const attribution = new Attributor({ controls: controlVia("http-unmarked-502"), check: options, now: () => clock });
    const spec = target("http", `${P.status}502`);
    // Four nodes fail the target's own 502; the first asks the (failing) control, the fourth has 3 peers that failed the same way.
    const results = [];
    for (let i = 0; i < 4; i++) {
      clock += 1_000;
      results.push(await attribution.refine(await runProbeCheck(node("http-healthy", `k${i}`), spec, options), spec, TIMEOUTS));
    }
    expect(results.map((r) => r.originEvidence)).toEqual(["control", "none", "none", "cohort"]);
  });

  it("a proxy that hangs up on a relayed request is blamed when the control path gets an answer", async () => {
    const hangUp = await runProbeCheck(node("http-silent-upstream-errors"), target("http", `${P.slowHeaders}?ms=2000`), options);
    expect({ faultClass: hangUp.faultClass, phase: hangUp.phase, who: `${hangUp.responder}/${hangUp.faultOrigin}` }).toEqual({ faultClass: "reset", phase: "headers", who: "proxy/proxy" });
    expect(needsSecondPath(hangUp)).toBe(true);
    const control = await runProbeCheck(node("socks5-healthy"), target("http", `${P.slowHeaders}?ms=200`), options);
    expect(applyControl(hangUp, control)).toMatchObject({ faultClass: "reset", faultOrigin: "proxy", originEvidence: "control" });
  });

  it("a control that failed differently from the attempt decides nothing", async () => {
    const attribution = new Attributor({ controls: controlVia("http-gateway-timeout"), check: options });
    const spec = target("http", P.ok);
    const refined = await attribution.refine(await runProbeCheck(node("http-unmarked-502"), spec, options), spec, TIMEOUTS);
    expect({ origin: refined.faultOrigin, reason: refined.reason }).toMatchObject({ origin: "unknown", reason: expect.stringMatching(/control node failed differently \(proxy_504\)/) });
  });

  it("reuses a target's control answer within the window and keeps to its share of probe traffic", async () => {
    const controls = controlVia("socks5-healthy");
    const attribution = new Attributor({ controls, check: options, controlShare: 0.05, controlBurst: 1, controlCacheMs: 30_000 });
    const spec = target("http", P.ok);
    // Ten failing checks on one target: one control request answers for all of them.
    for (let i = 0; i < 10; i++) {
      const attempt = await runProbeCheck(node("http-unmarked-502", `n${i}`), spec, options);
      expect((await attribution.refine(attempt, spec, TIMEOUTS)).faultOrigin).toBe("proxy");
    }
    expect(attribution.stats).toMatchObject({ probes: 10, controls: 1, controlCacheHits: 9, decidedByControl: 10 });
    // A second target right away is over budget (1 burst + 5 % of 10 = 1.5): left undecided, counted.
    const other = target("http", `${P.ok}?other`);
    const attempt = await runProbeCheck(node("http-unmarked-502"), other, options);
    const refused = await attribution.refine(attempt, other, TIMEOUTS);
    expect(refused.faultOrigin).toBe("unknown");
    expect(attribution.stats).toMatchObject({ controls: 1, overBudget: 1 });
    expect(attribution.stats.controls / attribution.stats.probes).toBeLessThanOrEqual(0.05 + 1 / attribution.stats.probes);
  });
});

describe("cohort evidence", () => {
  it("blames the target when most other nodes failed on it the same way in the last minute", async () => {
    let clock = 1_000_000;
    const attribution = new Attributor({ now: () => clock }); // no control source: cohort only
    const spec = target("http", `${P.status}502`);
    const results = [];
    for (let i = 0; i < 5; i++) {
      const attempt = await runProbeCheck(node("http-healthy", `c${i}`), spec, options);
      results.push(await attribution.refine(attempt, spec));
    }
    // The first three had too few peers; from the fourth on, 3+ other nodes failed the same way.
    expect(results.map((r) => r.faultOrigin)).toEqual(["unknown", "unknown", "unknown", "target", "target"]);
    expect(results[3]).toMatchObject({ originEvidence: "cohort", responder: "target", responderEvidence: "cohort" });
    expect(results[3].reason).toMatch(/3 of 3 other nodes failed/);

    // Outside the window the cohort is forgotten.
    clock += 61_000;
    const late = await attribution.refine(await runProbeCheck(node("http-healthy", "late"), spec, options), spec);
    expect(late.faultOrigin).toBe("unknown");
  });

  it("lets each node speak once, with its latest attempt", async () => {
    const attribution = new Attributor(); // no control source: cohort only
    const failing = target("http", `${P.status}502`);
    const fail = async (name: string) => attribution.refine(await runProbeCheck(node("http-healthy", name), failing, options), failing);
    await fail("s0");
    await fail("s1");
    await fail("s2");
    // s0 again: its peers are s1 and s2 only (its own earlier failure is not a peer): too few.
    expect((await fail("s0")).faultOrigin).toBe("unknown");
    // s1 recovers on the same target: its failure no longer counts, its success does.
    const fine = await runProbeCheck(node("http-healthy", "s1"), target("http", P.ok), options);
    expect(fine.faultClass).toBe("ok");
    await attribution.refine({ ...fine, targetId: failing.id ?? fine.targetId }, failing); // as if the same target answered this time
    // s3: peers s0, s2 failed the same way, s1 did not → 2 of 3 = 67 % ≥ 60 % → target.
    const s3 = await fail("s3");
    expect(s3.faultOrigin).toBe("target");
    expect(s3.reason).toMatch(/2 of 3 other nodes failed/);
  });

  it("does not blame the target when the other nodes got it fine", async () => {
    const attribution = new Attributor();
    const spec = target("http", P.ok);
    for (let i = 0; i < 4; i++) await attribution.refine(await runProbeCheck(node("http-healthy", `g${i}`), spec, options), spec);
    const bad = await attribution.refine(await runProbeCheck(node("http-unmarked-502"), spec, options), spec);
    expect(bad.faultOrigin).toBe("unknown");
  });
});
