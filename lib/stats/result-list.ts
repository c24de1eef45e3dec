import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import { defaultStatsDb, type StatsDb } from "./db";
import { resolveWindow } from "./windows";
import type { ResultListQuery } from "./result-list-schema";

export interface ResultListRow {
  id: string;
  startedAt: string;
  nodeId: string;
  nodeName: string;
  targetId: string;
  targetName: string;
  targetUrl: string;
  faultClass: string;
  bucket: string;
  /** Who caused the failure (diag's faultOrigin: proxy, network, target, unknown; none when ok). */
  origin: string;
  /** Who produced the answer (proxy, target, none, unknown). */
  responder: string;
  reason: string;
  status: number | null;
  totalMs: number;
  exitIp: string | null;
  source: string;
}

export interface ResultList {
  rows: ResultListRow[];
  /** The range actually read (a run narrows it to the run's own time). */
  from: string;
  to: string;
  /** Pass as `before` for the next page; null when this was the last. */
  nextBefore: string | null;
}

/**
 * The raw results behind a figure, newest first (by id: insertion order, so `before` pages exactly): every filter of the overview's click-throughs
 * (pool, node, target, class, bucket, origin, source, window or custom range, a Test-now run). Reads
 * ProbeResult only — raw rows are kept SWITCHYARD_RESULT_RETENTION_HOURS (48 h by default), so a
 * 7-day figure lists the retained part. Served by the (startedAt) / (nodeId, startedAt) indexes.
 */
export async function listResults(query: ResultListQuery, db: StatsDb = defaultStatsDb, now = new Date()): Promise<ResultList> {
  let from = query.from ? new Date(query.from) : resolveWindow(query.window, now).start;
  let to = query.to ? new Date(query.to) : now;
  let nodeIds: string[] | null = null;
  let targetIds: string[] | null = null;
  if (query.runId) {
    const runs = await db.$queryRaw<Array<{ nodeIds: string[]; targetIds: string[]; startedAt: Date; finishedAt: Date | null }>>`
      SELECT "nodeIds", "targetIds", "startedAt", "finishedAt" FROM "ProbeRun" WHERE "id" = ${query.runId}::uuid`;
    if (runs.length === 0) return { rows: [], from: from.toISOString(), to: to.toISOString(), nextBefore: null };
    nodeIds = runs[0].nodeIds;
    targetIds = runs[0].targetIds;
    from = runs[0].startedAt;
    to = runs[0].finishedAt ? new Date(runs[0].finishedAt.getTime() + 1_000) : now;
  }
  const conditions: Prisma.Sql[] = [Prisma.sql`p."startedAt" >= ${from}`, Prisma.sql`p."startedAt" < ${to}`];
  if (query.poolId) conditions.push(Prisma.sql`p."nodeId" IN (SELECT m."nodeId" FROM "PoolMembership" m WHERE m."poolId" = ${query.poolId}::uuid)`);
  if (query.nodeId) conditions.push(Prisma.sql`p."nodeId" = ${query.nodeId}::uuid`);
  if (nodeIds) conditions.push(Prisma.sql`p."nodeId" = ANY(${nodeIds}::uuid[])`);
  if (query.targetId) conditions.push(Prisma.sql`p."targetId" = ${query.targetId}::uuid`);
  if (targetIds) conditions.push(Prisma.sql`p."targetId" = ANY(${targetIds}::uuid[])`);
  if (query.faultClass) conditions.push(Prisma.sql`p."faultClass" = ${query.faultClass}`);
  if (query.bucket === "failed") conditions.push(Prisma.sql`p."bucket" <> 'ok'`);
  else if (query.bucket) conditions.push(Prisma.sql`p."bucket" = ${query.bucket}`);
  if (query.origin) conditions.push(Prisma.sql`p."faultOrigin" = ${query.origin}`);
  if (query.source) conditions.push(Prisma.sql`p."source" = ${query.source}`);
  if (query.before) conditions.push(Prisma.sql`p."id" < ${BigInt(query.before)}`);
  const rows = await db.$queryRaw<
    Array<{ id: bigint; startedAt: Date; nodeId: string; host: string; port: number; label: string; scheme: string; targetId: string; targetName: string; url: string } & Pick<ResultListRow, "faultClass" | "bucket" | "origin" | "responder" | "reason" | "status" | "totalMs" | "exitIp" | "source">>
  >`
    SELECT p."id", p."startedAt", p."nodeId", n."host", n."port", n."label", n."scheme"::text AS "scheme", p."targetId", t."name" AS "targetName", t."url",
           p."faultClass", p."bucket", p."faultOrigin" AS "origin", p."responder", p."reason", p."status", p."totalMs", p."exitIp", p."source"
    FROM "ProbeResult" p JOIN "ProxyNode" n ON n."id" = p."nodeId" JOIN "ProbeTarget" t ON t."id" = p."targetId"
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY p."id" DESC
    LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  return {
    rows: page.map((r) => ({
      id: String(r.id),
      startedAt: r.startedAt.toISOString(),
      nodeId: r.nodeId,
      nodeName: r.label || `${r.scheme}://${formatHostPort(r.host, r.port)}`,
      targetId: r.targetId,
      targetName: r.targetName || r.url,
      targetUrl: r.url,
      faultClass: r.faultClass,
      bucket: r.bucket,
      origin: r.origin,
      responder: r.responder,
      reason: r.reason,
      status: r.status,
      totalMs: Math.round(r.totalMs),
      exitIp: r.exitIp,
      source: r.source,
    })),
    from: from.toISOString(),
    to: to.toISOString(),
    nextBefore: rows.length > query.limit ? String(page[page.length - 1].id) : null,
  };
}
