import "server-only";
import { prisma } from "@/lib/db/prisma";
import { FAULT_CLASSES, type FaultClass } from "./fault-taxonomy";

export interface ProbeTargetRow {
  id: string;
  url: string;
  name: string;
  expectedStatus: number | null;
  firstByteTimeoutMs: number | null;
  totalTimeoutMs: number | null;
  createdAt: string;
}

export async function listProbeTargets(): Promise<ProbeTargetRow[]> {
  const targets = await prisma.probeTarget.findMany({ orderBy: { createdAt: "asc" } });
  return targets.map((t) => ({
    id: t.id,
    url: t.url,
    name: t.name,
    expectedStatus: t.expectedStatus,
    firstByteTimeoutMs: t.firstByteTimeoutMs,
    totalTimeoutMs: t.totalTimeoutMs,
    createdAt: t.createdAt.toISOString(),
  }));
}

export interface PoolProbeSettingsView {
  poolId: string;
  enabled: boolean;
  intervalSeconds: number;
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  totalTimeoutMs: number;
  targetIds: string[];
  maxBackoffSeconds: number;
}

/** The pool's schedule, or the defaults a new schedule starts from. */
export async function getPoolProbeSettings(poolId: string): Promise<PoolProbeSettingsView> {
  const settings = await prisma.poolProbeSettings.findUnique({ where: { poolId } });
  return settings
    ? { poolId, enabled: settings.enabled, intervalSeconds: settings.intervalSeconds, connectTimeoutMs: settings.connectTimeoutMs, firstByteTimeoutMs: settings.firstByteTimeoutMs, totalTimeoutMs: settings.totalTimeoutMs, targetIds: settings.targetIds, maxBackoffSeconds: settings.maxBackoffSeconds }
    : { poolId, enabled: false, intervalSeconds: 60, connectTimeoutMs: 3_000, firstByteTimeoutMs: 10_000, totalTimeoutMs: 15_000, targetIds: [], maxBackoffSeconds: 600 };
}

export interface ProbeResultRow {
  id: string;
  startedAt: string;
  targetUrl: string;
  faultClass: FaultClass;
  faultLabel: string;
  bucket: string;
  /** Who produced what we saw, and who is to blame, each with the evidence that decided it. */
  responder: string;
  responderEvidence: string;
  faultOrigin: string;
  originEvidence: string;
  reason: string;
  status: number | null;
  totalMs: number;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  exitIp: string | null;
  source: string;
}

export async function listNodeResults(nodeId: string, limit = 50): Promise<ProbeResultRow[]> {
  const rows = await prisma.probeResult.findMany({ where: { nodeId }, orderBy: { startedAt: "desc" }, take: limit, include: { target: { select: { url: true } } } });
  return rows.map((r) => ({
    id: r.id.toString(),
    startedAt: r.startedAt.toISOString(),
    targetUrl: r.target.url,
    faultClass: r.faultClass as FaultClass,
    faultLabel: FAULT_CLASSES[r.faultClass as FaultClass]?.label ?? r.faultClass,
    bucket: r.bucket,
    responder: r.responder,
    responderEvidence: r.responderEvidence,
    faultOrigin: r.faultOrigin,
    originEvidence: r.originEvidence,
    reason: r.reason,
    status: r.status,
    totalMs: r.totalMs,
    connectMs: r.connectMs,
    tlsMs: r.tlsMs,
    firstByteMs: r.firstByteMs,
    exitIp: r.exitIp,
    source: r.source,
  }));
}

export interface NodeTargetExclusionRow {
  targetId: string;
  url: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

/** Targets the scheduler leaves out for this node (Diagnose's "exclude the target for this node"). */
export async function listNodeTargetExclusions(nodeId: string): Promise<NodeTargetExclusionRow[]> {
  const rows = await prisma.nodeTargetExclusion.findMany({ where: { nodeId }, orderBy: { createdAt: "desc" }, include: { target: { select: { url: true } } } });
  return rows.map((r) => ({ targetId: r.targetId, url: r.target.url, reason: r.reason, createdBy: r.createdBy, createdAt: r.createdAt.toISOString() }));
}
