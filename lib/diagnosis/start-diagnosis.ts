import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import type { ActionResult } from "@/lib/http/field-errors";
import { echoTarget } from "@/lib/health/rotate";
import { CONTROL_RECENT_OK_MS } from "@/lib/probe/control-nodes";
import type { ProbeCheckOptions, ProbeTimeouts } from "@/lib/probe/probe-check";
import { PROXY_NODE_ROW_SELECT, toProbeNode, type ProxyNodeRow, type RevealPassword } from "@/lib/probe/probe-node-row";
import { productProbeOptions } from "@/lib/probe/probe-settings-from-env";
import { timeoutsForTarget } from "@/lib/probe/target-timeouts";
import { runChecklist, type ChecklistInput } from "./run-checklist";
import type { DiagnosisStep } from "./schema";

export interface DiagnosisDeps {
  check: Omit<ProbeCheckOptions, "signal" | "timeouts" | "captureResponse">;
  revealPassword?: RevealPassword;
  attempts?: number;
  patientFirstByteMs?: number;
}

export function productDiagnosisDeps(): DiagnosisDeps {
  const { check, revealPassword } = productProbeOptions();
  return { check, revealPassword };
}

const HEARTBEAT_MS = 10_000;

type StartResult = ActionResult<{ id: string; done: Promise<void> }>;

/**
 * Starts Diagnose for one node (× one target) in the background of this process and returns its
 * id at once; `done` settles when the verdict is stored. Progress is the stored row: each step is
 * appended as it completes, so any instance can serve the polling browser.
 */
export async function startDiagnosis(actor: Actor, input: { nodeId: string; targetId?: string }, deps: DiagnosisDeps = productDiagnosisDeps()): Promise<StartResult> {
  const node = await prisma.proxyNode.findUnique({
    where: { id: input.nodeId },
    select: { ...PROXY_NODE_ROW_SELECT, label: true, rotationUrl: true, pools: { select: { pool: { select: { id: true, name: true, probeSettings: true } } } } },
  });
  if (!node) return { ok: false, code: "not_found", fieldErrors: { form: "No such node." } };
  const target = await chooseTarget(node.id, input.targetId, node.pools.flatMap((m) => m.pool.probeSettings?.targetIds ?? []));
  if (!target) {
    return input.targetId
      ? { ok: false, code: "not_found", fieldErrors: { targetId: "No such target." } }
      : { ok: false, fieldErrors: { targetId: "There is no probe target to diagnose with: add one under Targets." } };
  }
  let probeNode;
  try {
    probeNode = toProbeNode(node as ProxyNodeRow, deps.revealPassword);
  } catch {
    return { ok: false, fieldErrors: { form: "This node's stored password cannot be opened with the current secret key." } };
  }
  // The pool whose schedule probes this target (else the node's first scheduled pool) sets the timeouts.
  const scheduled = node.pools.map((m) => m.pool).filter((p) => p.probeSettings);
  const pool = scheduled.find((p) => p.probeSettings!.targetIds.includes(target.id)) ?? scheduled[0] ?? null;
  const base: Partial<ProbeTimeouts> = pool
    ? { connectMs: pool.probeSettings!.connectTimeoutMs, firstByteMs: pool.probeSettings!.firstByteTimeoutMs, totalMs: pool.probeSettings!.totalTimeoutMs }
    : {};
  const name = node.label || `${node.scheme}://${node.host}:${node.port}`;

  const row = await prisma.diagnosis.create({ data: { nodeId: node.id, targetId: target.id, targetUrl: target.url, requestedBy: actor.label }, select: { id: true } });
  const checklist: ChecklistInput = {
    node: { ...probeNode, name, hasRotationUrl: Boolean(node.rotationUrl) },
    target: { id: target.id, url: target.url, expectedStatus: target.expectedStatus ?? undefined },
    timeouts: timeoutsForTarget(base, target),
    pool: pool ? { id: pool.id, name: pool.name, firstByteTimeoutMs: pool.probeSettings!.firstByteTimeoutMs, targetOverrideMs: target.firstByteTimeoutMs } : null,
    controls: await controlCandidates(node.id, target.id, deps.revealPassword),
    check: deps.check,
    attempts: deps.attempts,
    patientFirstByteMs: deps.patientFirstByteMs,
    exitIp: {
      echoTarget: await echoTarget(node.id).then((t) => (t ? { id: t.id, url: t.url } : null)),
      lastKnown: await lastExitIp(node.id),
      sharedWith: (ip) => nodesLeavingThrough(ip, node.id),
    },
  };
  const done = executeDiagnosis(actor, row.id, node.id, checklist);
  return { ok: true, id: row.id, done };
}

async function executeDiagnosis(actor: Actor, id: string, nodeId: string, input: ChecklistInput): Promise<void> {
  const steps: DiagnosisStep[] = [];
  // Steps are written in order, one statement at a time (the row is the progress the browser polls).
  let writing: Promise<unknown> = Promise.resolve();
  const onStep = (step: DiagnosisStep) => {
    steps.push(step);
    const snapshot = [...steps];
    writing = writing.then(() => prisma.diagnosis.update({ where: { id }, data: { steps: snapshot as Prisma.InputJsonValue } }).catch(() => undefined));
  };
  // Heartbeat while a long step runs (a hanging node, the patient attempt): a stopped one reads as interrupted.
  const heartbeat = setInterval(() => void prisma.diagnosis.update({ where: { id }, data: { updatedAt: new Date() } }).catch(() => undefined), HEARTBEAT_MS);
  try {
    const outcome = await runChecklist(input, onStep);
    await writing;
    await prisma.$transaction(async (tx) => {
      await tx.diagnosis.update({
        where: { id },
        data: { status: "done", steps: outcome.steps as Prisma.InputJsonValue, verdict: outcome.verdict as Prisma.InputJsonValue, finishedAt: new Date() },
      });
      // On the node's timeline, linked to the stored evidence.
      await recordAuditEvents(tx, actor, [
        {
          action: "node.diagnosed",
          subjectType: "node",
          subjectId: nodeId,
          nodeId,
          reason: outcome.verdict.headline,
          after: { diagnosisId: id, targetUrl: input.target.url, failingHop: outcome.verdict.failingHop, action: outcome.verdict.action?.kind ?? null },
        },
      ]);
    });
  } catch (error) {
    await writing;
    const message = error instanceof Error ? error.message : String(error);
    await prisma.diagnosis.update({ where: { id }, data: { status: "failed", error: message.slice(0, 500), finishedAt: new Date() } }).catch(() => undefined);
  } finally {
    clearInterval(heartbeat);
  }
}

/** The asked target; else the one this node failed on last (24 h); else its pools' first scheduled target; else the newest. */
async function chooseTarget(nodeId: string, targetId: string | undefined, poolTargetIds: string[]) {
  if (targetId) return prisma.probeTarget.findUnique({ where: { id: targetId } });
  const failing = await prisma.probeResult.findFirst({
    where: { nodeId, faultClass: { not: "ok" }, startedAt: { gt: new Date(Date.now() - 86_400_000) } },
    orderBy: { startedAt: "desc" },
    select: { targetId: true },
  });
  const ids = [failing?.targetId, ...poolTargetIds].filter((id): id is string => Boolean(id));
  for (const id of ids) {
    const target = await prisma.probeTarget.findUnique({ where: { id } });
    if (target) return target;
  }
  return prisma.probeTarget.findFirst({ orderBy: { createdAt: "desc" } });
}

/**
 * Control candidates: ENABLED nodes sharing a pool with this one (never itself), those whose latest
 * result on the target was ok within 10 minutes first, then those ok on anything lately; at most 3.
 */
async function controlCandidates(nodeId: string, targetId: string, revealPassword?: RevealPassword) {
  const since = new Date(Date.now() - CONTROL_RECENT_OK_MS);
  const rows = await prisma.$queryRaw<(ProxyNodeRow & { label: string; rank: number })[]>`
    SELECT n."id"::text AS id, n."scheme"::text AS scheme, n."host", n."port", n."username", n."passwordSealed", n."label",
      CASE WHEN onTarget."faultClass" = 'ok' THEN 0 WHEN anyTarget."faultClass" = 'ok' THEN 1 ELSE 2 END AS rank
    FROM "ProxyNode" n
    LEFT JOIN LATERAL (SELECT r."faultClass" FROM "ProbeResult" r WHERE r."nodeId" = n."id" AND r."targetId" = ${targetId}::uuid AND r."startedAt" > ${since}
                       ORDER BY r."startedAt" DESC LIMIT 1) onTarget ON true
    LEFT JOIN LATERAL (SELECT r."faultClass" FROM "ProbeResult" r WHERE r."nodeId" = n."id" AND r."startedAt" > ${since}
                       ORDER BY r."startedAt" DESC LIMIT 1) anyTarget ON true
    WHERE n."state" = 'ENABLED' AND n."id" <> ${nodeId}::uuid
      AND EXISTS (SELECT 1 FROM "PoolMembership" mine JOIN "PoolMembership" theirs ON theirs."poolId" = mine."poolId"
                  WHERE mine."nodeId" = ${nodeId}::uuid AND theirs."nodeId" = n."id")
    ORDER BY rank, random()
    LIMIT 3`;
  const controls = [];
  for (const row of rows) {
    try {
      controls.push({ ...toProbeNode(row, revealPassword), name: row.label || `${row.scheme}://${row.host}:${row.port}` });
    } catch {
      // sealed password and no way to open it: not usable as control
    }
  }
  return controls;
}

async function lastExitIp(nodeId: string): Promise<string | null> {
  const row = await prisma.probeResult.findFirst({ where: { nodeId, exitIp: { not: null } }, orderBy: { startedAt: "desc" }, select: { exitIp: true } });
  return row?.exitIp ?? null;
}

/** Other nodes whose latest exit IP of the last 24 h is this one (named for the step's details). */
async function nodesLeavingThrough(ip: string, nodeId: string): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ label: string; scheme: string; host: string; port: number }[]>`
    SELECT n."label", n."scheme"::text AS scheme, n."host", n."port"
    FROM "ProxyNode" n
    CROSS JOIN LATERAL (SELECT r."exitIp" FROM "ProbeResult" r WHERE r."nodeId" = n."id" AND r."exitIp" IS NOT NULL AND r."startedAt" > now() - interval '24 hours'
                        ORDER BY r."startedAt" DESC LIMIT 1) latest
    WHERE n."id" <> ${nodeId}::uuid AND latest."exitIp" = ${ip}
    LIMIT 20`;
  return rows.map((r) => r.label || `${r.scheme}://${r.host}:${r.port}`);
}
