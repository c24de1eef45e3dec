import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { prisma } from "@/lib/db/prisma";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { setNodeRotationUrl } from "@/lib/nodes/mutations";
import { resolveHost, type HostLookup } from "@/lib/probe/host-lookup";
import { runProbeCheck, type ProbeCheckOptions } from "@/lib/probe/probe-check";
import { PROXY_NODE_ROW_SELECT, toProbeNode, type RevealPassword } from "@/lib/probe/probe-node-row";
import { insertProbeResults } from "@/lib/probe/result-writer";
import { assertResolvedAddressAllowed, targetUrlRulesFromEnv, TargetUrlError, validateTargetUrl, type TargetUrlRules } from "@/lib/security/target-url";

export interface RotateDeps {
  /** Resolves the rotation URL's host (product: the system lookup the prober uses; tests: IP literals only). */
  lookup: HostLookup;
  check: Omit<ProbeCheckOptions, "signal" | "timeouts">;
  revealPassword?: RevealPassword;
  /** Echo probes after the call until the exit IP changes (providers take a moment). */
  confirmAttempts?: number;
  confirmPauseMs?: number;
  timeoutMs?: number;
  /** URL policy (default: the environment's, lib/security/target-url.ts). */
  rules?: TargetUrlRules;
}

export interface RotateOutcome {
  nodeId: string;
  ok: boolean;
  beforeIp: string | null;
  afterIp: string | null;
  changed: boolean;
  rotationStatus: number | null;
  message: string;
}

/** Only the scheme, host and path of a rotation URL go to logs and audit: its query often carries a token. */
export function redactRotationUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * Why a rotation call failed, in words that do not turn it into a port scanner: a refused address
 * class, and every way of not getting an HTTP answer (refused, reset, timeout, lookup failure),
 * read the same.
 */
const ROTATION_UNREACHABLE = "The rotation URL could not be reached (no HTTP answer).";

/**
 * GETs the rotation URL: the URL policy first (allow-list, address classes), then our own socket
 * to the resolved address — checked again, so a name that resolves into a refused range is refused
 * too — never the system resolver behind our back.
 */
async function callRotationUrl(url: string, lookup: HostLookup, timeoutMs: number, rules: TargetUrlRules): Promise<number> {
  const parsed = validateTargetUrl(url, rules);
  const hostname = parsed.hostname.replace(/^\[|\]$/g, "");
  const address = isIP(hostname) ? hostname : await resolveHost(hostname, lookup);
  assertResolvedAddressAllowed(address, rules);
  const request = parsed.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        servername: isIP(hostname) ? undefined : hostname,
        port: parsed.port || (parsed.protocol === "https:" ? 443 : 80),
        path: `${parsed.pathname}${parsed.search}`,
        method: "GET",
        headers: { host: parsed.host, "user-agent": "switchyard-rotate/1" },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * The IP-echo target rotation is confirmed with: a target whose path ends in /ip, preferring one
 * the node's own pools probe (PoolProbeSettings.targetIds), else the newest such target.
 */
export async function echoTarget(nodeId: string) {
  const isEcho = (url: string) => {
    try {
      return new URL(url).pathname.replace(/\/$/, "").endsWith("/ip");
    } catch {
      return false;
    }
  };
  const settings = await prisma.poolProbeSettings.findMany({ where: { pool: { members: { some: { nodeId } } } }, select: { targetIds: true } });
  const poolTargetIds = [...new Set(settings.flatMap((s) => s.targetIds))];
  const ownTargets = poolTargetIds.length ? await prisma.probeTarget.findMany({ where: { id: { in: poolTargetIds } }, orderBy: { createdAt: "desc" } }) : [];
  const own = ownTargets.find((t) => isEcho(t.url));
  if (own) return own;
  const all = await prisma.probeTarget.findMany({ orderBy: { createdAt: "desc" } });
  return all.find((t) => isEcho(t.url));
}

/**
 * Rotates one node's exit IP: echo probe (IP before), GET the node's rotation URL, echo probes
 * until the IP differs (or attempts run out), persist the echo results (so the exit-IP column and
 * history update) and record one audit event with both IPs and the call's status.
 */
export async function rotateNode(actor: Actor, nodeId: string, deps: RotateDeps): Promise<RotateOutcome> {
  const node = await prisma.proxyNode.findUnique({ where: { id: nodeId }, select: { ...PROXY_NODE_ROW_SELECT, rotationUrl: true } });
  const fail = (message: string): RotateOutcome => ({ nodeId, ok: false, beforeIp: null, afterIp: null, changed: false, rotationStatus: null, message });
  if (!node) return fail("This node no longer exists.");
  if (!node.rotationUrl) return fail("This node has no rotation URL.");
  const target = await echoTarget(nodeId);
  if (!target) return fail("Add an IP-echo probe target (a URL ending in /ip) to confirm rotations.");
  const probeNode = toProbeNode(node, deps.revealPassword);
  const spec = { id: target.id, url: target.url, expectedStatus: target.expectedStatus ?? undefined };
  const echo = () => runProbeCheck(probeNode, spec, deps.check);

  const before = await echo();
  let status: number | null = null;
  let callError: string | null = null;
  try {
    status = await callRotationUrl(node.rotationUrl, deps.lookup, deps.timeoutMs ?? 10_000, deps.rules ?? targetUrlRulesFromEnv());
  } catch (error) {
    callError = error instanceof TargetUrlError ? error.message : ROTATION_UNREACHABLE;
  }
  const attempts = [before];
  let after = before;
  if (callError === null && status !== null && status < 400) {
    for (let i = 0; i < (deps.confirmAttempts ?? 5); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, deps.confirmPauseMs ?? 1_000));
      after = await echo();
      attempts.push(after);
      if (after.exitIp && after.exitIp !== before.exitIp) break;
    }
  }
  await insertProbeResults(attempts);
  const changed = Boolean(after.exitIp && before.exitIp !== after.exitIp) && after !== before;
  const ok = callError === null && status !== null && status < 400 && changed;
  const message = callError
    ? callError
    : status !== null && status >= 400
      ? `The rotation URL answered ${status}.`
      : changed
        ? `Exit IP changed from ${before.exitIp ?? "unknown"} to ${after.exitIp}.`
        : `The rotation URL answered ${status}, but the exit IP is still ${after.exitIp ?? "unknown"}.`;
  await prisma.$transaction((tx) =>
    recordAuditEvents(tx, actor, [
      {
        // A failed rotation is its own action, so the audit log can be filtered for it.
        action: ok ? "node.rotated" : "node.rotation_failed",
        subjectType: "node",
        subjectId: nodeId,
        nodeId,
        reason: message,
        before: { exitIp: before.exitIp },
        after: { exitIp: after.exitIp, changed, rotationStatus: status, rotationUrl: redactRotationUrl(node.rotationUrl!), error: callError },
      },
    ]),
  );
  return { nodeId, ok, beforeIp: before.exitIp, afterIp: after.exitIp, changed, rotationStatus: status, message };
}

export async function setRotationUrl(actor: Actor, nodeId: string, rotationUrl: string | null): Promise<{ ok: true } | { ok: false; fieldErrors: Record<string, string> }> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.proxyNode.findUnique({ where: { id: nodeId }, select: { rotationUrl: true } });
    if (!before) return { ok: false as const, fieldErrors: { form: "This node no longer exists." } };
    await setNodeRotationUrl(tx, nodeId, rotationUrl);
    await recordAuditEvents(tx, actor, [
      {
        action: "node.rotation_url_set",
        subjectType: "node",
        subjectId: nodeId,
        nodeId,
        before: { rotationUrl: before.rotationUrl ? redactRotationUrl(before.rotationUrl) : null },
        after: { rotationUrl: rotationUrl ? redactRotationUrl(rotationUrl) : null },
      },
    ]);
    return { ok: true as const };
  });
}
