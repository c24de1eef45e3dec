import { prisma } from "@/lib/db/prisma";

export interface AlertChannelView {
  id: string;
  name: string;
  kind: string;
  url: string;
  signed: boolean;
  rules: number;
}

export async function listAlertChannels(): Promise<AlertChannelView[]> {
  const rows = await prisma.alertChannel.findMany({ orderBy: { name: "asc" }, include: { _count: { select: { rules: true } } } });
  return rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind, url: row.url, signed: row.secretSealed !== null, rules: row._count.rules }));
}

export interface AlertRuleView {
  id: string;
  name: string;
  poolId: string;
  poolName: string;
  kind: string;
  origin: string | null;
  threshold: number;
  windowMinutes: number;
  minSamples: number;
  holdDownMinutes: number;
  channelId: string;
  channelName: string;
  enabled: boolean;
  lastEvaluatedAt: string | null;
  lastValue: number | null;
  firing: boolean;
}

export async function listAlertRules(options: { poolId?: string } = {}): Promise<AlertRuleView[]> {
  const rows = await prisma.alertRule.findMany({
    where: options.poolId ? { poolId: options.poolId } : undefined,
    orderBy: [{ createdAt: "asc" }],
    include: { pool: { select: { name: true } }, channel: { select: { name: true } }, incidents: { where: { state: "firing" }, select: { id: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    poolId: row.poolId,
    poolName: row.pool.name,
    kind: row.kind,
    origin: row.origin,
    threshold: row.threshold,
    windowMinutes: row.windowMinutes,
    minSamples: row.minSamples,
    holdDownMinutes: row.holdDownMinutes,
    channelId: row.channelId,
    channelName: row.channel.name,
    enabled: row.enabled,
    lastEvaluatedAt: row.lastEvaluatedAt?.toISOString() ?? null,
    lastValue: row.lastValue,
    firing: row.incidents.length > 0,
  }));
}

export interface AlertIncidentView {
  id: string;
  ruleId: string;
  ruleName: string;
  poolId: string;
  state: string;
  openedAt: string;
  resolvedAt: string | null;
  value: number;
  peakValue: number;
  summary: string;
  notifications: { event: string; status: string; attempts: number; lastError: string | null; deliveredAt: string | null }[];
}

/** Incident history, newest first; `before` is the last id of the previous page. */
export async function listAlertIncidents(options: { poolId?: string; state?: "firing" | "resolved"; limit?: number; before?: bigint } = {}): Promise<AlertIncidentView[]> {
  const rows = await prisma.alertIncident.findMany({
    where: { poolId: options.poolId, state: options.state, id: options.before ? { lt: options.before } : undefined },
    orderBy: { id: "desc" },
    take: options.limit ?? 50,
    include: { rule: { select: { name: true } }, notifications: { orderBy: { id: "asc" } } },
  });
  return rows.map((row) => ({
    id: String(row.id),
    ruleId: row.ruleId,
    ruleName: row.rule.name,
    poolId: row.poolId,
    state: row.state,
    openedAt: row.openedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    value: row.value,
    peakValue: row.peakValue,
    summary: row.summary,
    notifications: row.notifications.map((n) => ({ event: n.event, status: n.status, attempts: n.attempts, lastError: n.lastError, deliveredAt: n.deliveredAt?.toISOString() ?? null })),
  }));
}
