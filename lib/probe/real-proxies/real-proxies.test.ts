import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TARGET_PATHS, startTargetServer, type LabTargetServer } from "@/lib/lab/target-server";
import { findFreePort } from "@/lib/net/free-port";
import { Attributor } from "../attribution";
import { runProbeCheck, type ProbeCheckOptions, type ProbeNode } from "../probe-check";
import { classifyRecorded, recordConnect, recordForward, type RecordedAnswer } from "./recorded-answer";
import { PROXY_READ_TIMEOUT_S, startDante, startSquid, startTinyproxy, type RealProxy } from "./real-proxy-servers";

// Opt-in: npm run test:real-proxies (needs root and the Debian squid, tinyproxy, dante-server packages).
const enabled = process.env.SWITCHYARD_REAL_PROXIES === "1";
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/real-proxies");

let http: LabTargetServer;
let https: LabTargetServer;
let closedPort: number;
const proxies: Record<string, RealProxy> = {};
const versions: Record<string, string> = {};
let options: ProbeCheckOptions;

function versionOf(binary: string, flag: string): string {
  return execFileSync(binary, [flag], { encoding: "utf8" }).split("\n")[0].trim();
}

beforeAll(async () => {
  if (!enabled) return;
  [http, https] = await Promise.all([startTargetServer("http"), startTargetServer("https")]);
  closedPort = await findFreePort();
  const [squidPort, tinyPort, dantePort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  proxies.squid = await startSquid(squidPort);
  proxies.tinyproxy = await startTinyproxy(tinyPort, [http.port, https.port, closedPort]);
  proxies.dante = await startDante(dantePort);
  versions.squid = versionOf("/usr/sbin/squid", "-v");
  versions.tinyproxy = versionOf("/usr/bin/tinyproxy", "-v");
  versions.dante = versionOf("/usr/sbin/danted", "-v");
  const { labCertificate } = await import("@/lib/lab/self-signed-cert");
  options = { ca: labCertificate().certPem, timeouts: { connectMs: 1_000, firstByteMs: 8_000, totalMs: 12_000 } };
}, 60_000);

afterAll(async () => {
  for (const proxy of Object.values(proxies)) await proxy.stop();
  await Promise.all([http?.close(), https?.close()]);
});

const node = (software: string): ProbeNode => ({ id: software, scheme: proxies[software].scheme, host: "127.0.0.1", port: proxies[software].port });
const url = (path: string, kind: "http" | "https" = "http") => `${kind === "https" ? https.baseUrl : http.baseUrl}${path}`;
const SLOW = `${TARGET_PATHS.slowHeaders}?ms=${(PROXY_READ_TIMEOUT_S + 3) * 1000}`;

interface Row {
  software: "squid" | "tinyproxy" | "dante";
  case: string;
  url: () => string;
  expect: { faultClass: string; who: string };
  /** Record the proxy's raw answer as a fixture the normal suite replays. */
  record?: "forward" | "connect";
}

const TABLE: Row[] = [
  { software: "squid", case: "ok", url: () => url(TARGET_PATHS.ok), expect: { faultClass: "ok", who: "target/none" } },
  { software: "squid", case: "relayed-502", url: () => url(`${TARGET_PATHS.status}502`), expect: { faultClass: "target_502", who: "unknown/unknown" }, record: "forward" },
  { software: "squid", case: "relayed-504", url: () => url(`${TARGET_PATHS.status}504`), expect: { faultClass: "target_504", who: "unknown/unknown" }, record: "forward" },
  { software: "squid", case: "target-refused", url: () => `http://127.0.0.1:${closedPort}/ok`, expect: { faultClass: "proxy_502", who: "proxy/target" }, record: "forward" },
  { software: "squid", case: "target-slow", url: () => url(SLOW), expect: { faultClass: "proxy_504", who: "proxy/unknown" }, record: "forward" },
  { software: "squid", case: "connect-ok", url: () => url(TARGET_PATHS.ok, "https"), expect: { faultClass: "ok", who: "target/none" } },
  { software: "squid", case: "connect-refused", url: () => `https://127.0.0.1:${closedPort}/ok`, expect: { faultClass: "proxy_502", who: "proxy/target" }, record: "connect" },
  { software: "squid", case: "connect-target-502", url: () => url(`${TARGET_PATHS.status}502`, "https"), expect: { faultClass: "target_502", who: "target/target" } },
  { software: "tinyproxy", case: "ok", url: () => url(TARGET_PATHS.ok), expect: { faultClass: "ok", who: "target/none" } },
  { software: "tinyproxy", case: "relayed-502", url: () => url(`${TARGET_PATHS.status}502`), expect: { faultClass: "target_502", who: "unknown/unknown" }, record: "forward" },
  { software: "tinyproxy", case: "target-refused", url: () => `http://127.0.0.1:${closedPort}/ok`, expect: { faultClass: "proxy_502", who: "proxy/target" }, record: "forward" },
  // tinyproxy gives up on a slow target by closing without a word: one path alone blames the proxy
  // (by phase); a second path settles it (below).
  { software: "tinyproxy", case: "target-slow", url: () => url(SLOW), expect: { faultClass: "reset", who: "proxy/proxy" } },
  { software: "tinyproxy", case: "connect-ok", url: () => url(TARGET_PATHS.ok, "https"), expect: { faultClass: "ok", who: "target/none" } },
  { software: "tinyproxy", case: "connect-refused", url: () => `https://127.0.0.1:${closedPort}/ok`, expect: { faultClass: "proxy_502", who: "proxy/target" }, record: "connect" },
  { software: "dante", case: "ok", url: () => url(TARGET_PATHS.ok), expect: { faultClass: "ok", who: "target/none" } },
  { software: "dante", case: "https-ok", url: () => url(TARGET_PATHS.ok, "https"), expect: { faultClass: "ok", who: "target/none" } },
  { software: "dante", case: "target-refused", url: () => `http://127.0.0.1:${closedPort}/ok`, expect: { faultClass: "proxy_502", who: "proxy/target" } },
  { software: "dante", case: "target-502", url: () => url(`${TARGET_PATHS.status}502`), expect: { faultClass: "target_502", who: "target/target" } },
];

describe.skipIf(!enabled)("real proxy software on 127.0.0.1", () => {
  it.each(TABLE.map((row) => [`${row.software} ${row.case} ⇒ ${row.expect.faultClass} ${row.expect.who}`, row] as const))("%s", async (_t, row) => {
    const target = { url: row.url() };
    const attempt = await runProbeCheck(node(row.software), target, options);
    expect({ faultClass: attempt.faultClass, who: `${attempt.responder}/${attempt.faultOrigin}`, reason: attempt.reason }).toMatchObject(row.expect);
    if (!row.record) return;
    const raw = row.record === "forward" ? await recordForward(proxies[row.software].port, target.url) : await recordConnect(proxies[row.software].port, new URL(target.url).host);
    const replayed = classifyRecorded(raw);
    expect(replayed.faultClass).toBe(attempt.faultClass);
    // Headers that change per run are kept out of the fixture.
    const headers = Object.fromEntries(Object.entries(raw.headers).filter(([name]) => name !== "date"));
    const fixture: RecordedAnswer = {
      software: row.software,
      version: versions[row.software],
      case: row.case,
      ...raw,
      headers,
      body: raw.body.replaceAll(String(closedPort), "CLOSED_PORT").replaceAll(String(http.port), "TARGET_PORT"),
      expect: { faultClass: replayed.faultClass, responder: replayed.responder, faultOrigin: replayed.faultOrigin },
    };
    writeFileSync(path.join(FIXTURES, `${row.software}-${row.case}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  });

  it("a second path settles tinyproxy's silent hang-up on a slow target: Squid times out on it too", async () => {
    const attribution = new Attributor({ controls: { pick: async () => node("squid") }, check: options });
    const target = { id: "slow", url: url(SLOW) };
    const attempt = await runProbeCheck(node("tinyproxy"), target, options);
    // What tinyproxy sends: nothing. It takes the request, waits its Timeout for the target, then closes.
    expect(attempt).toMatchObject({ faultClass: "reset", phase: "headers", responder: "proxy", faultOrigin: "proxy", status: null });
    expect(attempt.totalMs).toBeGreaterThanOrEqual(PROXY_READ_TIMEOUT_S * 1000 - 100);
    const refined = await attribution.refine(attempt, target, options.timeouts);
    expect(refined).toMatchObject({ faultOrigin: "target", originEvidence: "control" });
  });

  it("a second path clears the target when only the node's path fails: Dante gets it fine", async () => {
    const attribution = new Attributor({ controls: { pick: async () => node("dante") }, check: options });
    const target = { id: "relayed", url: url(`${TARGET_PATHS.status}502`) };
    const attempt = await runProbeCheck(node("squid"), target, options);
    // Dante relays the same 502 through its tunnel: the target's own, confirmed.
    expect(await attribution.refine(attempt, target, options.timeouts)).toMatchObject({ responder: "target", faultOrigin: "target", originEvidence: "control" });
  });
});
