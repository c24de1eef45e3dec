import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { ipLiteralOnlyLookup } from "@/lib/probe/host-lookup";
import { DEFAULT_ADDRESS_POLICY } from "@/lib/security/address-policy";
import { findFreePort } from "@/lib/net/free-port";
import { rotateNode, setRotationUrl } from "./rotate";

const operator = { kind: "user" as const, id: randomUUID(), label: "rotator@example.test", role: "operator" as const };
let lab: FaultLab;
let nodeId: string;

beforeAll(async () => {
  lab = await startFaultLab({ proxies: [{ name: "http-rotating", kind: "http", exitAddresses: ["127.0.2.1", "127.0.2.2", "127.0.2.3"] }] });
  // The IP-echo target rotation is confirmed with (first target whose path ends in /ip).
  // (Other test files add /ip targets of their own labs: the node's pool probes this one.)
  const echo = await prisma.probeTarget.upsert({ where: { url: `${lab.httpTarget.baseUrl}/ip` }, create: { url: `${lab.httpTarget.baseUrl}/ip`, name: "lab ip echo" }, update: {} });
  const pool = await prisma.pool.create({ data: { name: `rotate-${randomUUID()}`, probeSettings: { create: { enabled: false, targetIds: [echo.id] } } } });
  const node = await prisma.proxyNode.create({
    data: { scheme: "http", host: "127.0.0.1", port: lab.proxy("http-rotating").port, label: `rotating-${randomUUID()}`, pools: { create: [{ poolId: pool.id }] } },
  });
  nodeId = node.id;
});
afterAll(() => lab?.close());

const deps = () => ({ lookup: ipLiteralOnlyLookup, check: { lookup: ipLiteralOnlyLookup }, confirmPauseMs: 50 });

describe("rotate", () => {
  it("refuses a node without a rotation URL", async () => {
    expect(await rotateNode(operator, nodeId, deps())).toMatchObject({ ok: false, message: "This node has no rotation URL." });
  });

  it("calls the rotation URL, confirms the new exit IP with an echo probe and audits both", async () => {
    await setRotationUrl(operator, nodeId, `${lab.controlUrl}/rotate?proxy=http-rotating&token=secret`);
    const outcome = await rotateNode(operator, nodeId, deps());
    expect(outcome).toMatchObject({ ok: true, changed: true, rotationStatus: 200, beforeIp: "127.0.2.1", afterIp: "127.0.2.2" });
    const events = await prisma.auditEvent.findMany({ where: { nodeId }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["node.rotation_url_set", "node.rotated"]);
    expect(events[1].before).toEqual({ exitIp: "127.0.2.1" });
    expect(events[1].after).toMatchObject({ exitIp: "127.0.2.2", changed: true, rotationStatus: 200 });
    expect(JSON.stringify(events.map((e) => [e.before, e.after, e.reason]))).not.toContain("secret"); // the URL's token stays out of the audit log
    const ips = await prisma.probeResult.findMany({ where: { nodeId }, orderBy: { id: "asc" }, select: { exitIp: true } });
    expect(ips.map((r) => r.exitIp)).toEqual(["127.0.2.1", "127.0.2.2"]);
  });

  it("reports a failing rotation URL and records it", async () => {
    await setRotationUrl(operator, nodeId, `${lab.controlUrl}/rotate?proxy=no-such-proxy`);
    const outcome = await rotateNode(operator, nodeId, deps());
    expect(outcome).toMatchObject({ ok: false, changed: false, rotationStatus: 400 });
    expect(outcome.message).toMatch(/answered 400/);
    // A failed rotation is audited as its own action, not as "node.rotated".
    const last = await prisma.auditEvent.findFirst({ where: { nodeId }, orderBy: { id: "desc" } });
    expect(last).toMatchObject({ action: "node.rotation_failed", reason: outcome.message });
  });

  it("refuses link-local and metadata rotation URLs before connecting, with generic text", async () => {
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]:8080/rotate", "http://[::ffff:169.254.169.254]/"]) {
      await setRotationUrl(operator, nodeId, url);
      const outcome = await rotateNode(operator, nodeId, deps());
      expect(outcome, url).toMatchObject({ ok: false, rotationStatus: null });
      expect(outcome.message).toBe("This address is not allowed as a target (internal address ranges are refused).");
    }
  });

  it("refuses a name that resolves into a refused range (checked after the lookup)", async () => {
    await setRotationUrl(operator, nodeId, "http://rotate.provider.test/rotate?token=x");
    const toMetadata = async () => "169.254.169.254";
    const outcome = await rotateNode(operator, nodeId, { ...deps(), lookup: toMetadata });
    expect(outcome.message).toBe("This address is not allowed as a target (internal address ranges are refused).");
    const toPrivate = async () => "10.20.30.40";
    const privateOutcome = await rotateNode(operator, nodeId, { ...deps(), lookup: toPrivate, rules: { addresses: DEFAULT_ADDRESS_POLICY } });
    expect(privateOutcome.message).toBe("This address is not allowed as a target (internal address ranges are refused).");
  });

  it("applies SWITCHYARD_TARGET_ALLOWLIST to the rotation URL", async () => {
    await setRotationUrl(operator, nodeId, `${lab.controlUrl}/rotate?proxy=http-rotating`);
    const outcome = await rotateNode(operator, nodeId, { ...deps(), rules: { allowList: ["rotate.example.com"], addresses: DEFAULT_ADDRESS_POLICY } });
    expect(outcome).toMatchObject({ ok: false, rotationStatus: null });
    expect(outcome.message).toMatch(/not on the allowed target list/);
  });

  it("says the same for a refused connection as for any other failure (no port-scanner oracle)", async () => {
    await setRotationUrl(operator, nodeId, `http://127.0.0.1:${await findFreePort()}/rotate`);
    const outcome = await rotateNode(operator, nodeId, deps());
    expect(outcome.message).toBe("The rotation URL could not be reached (no HTTP answer).");
    const audit = await prisma.auditEvent.findFirst({ where: { nodeId, action: "node.rotated" }, orderBy: { id: "desc" } });
    expect(JSON.stringify(audit?.after)).not.toMatch(/ECONNREFUSED|hang up/);
  });
});
