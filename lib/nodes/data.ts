import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { maskUsername } from "./credential-mask";
import type { ProxyScheme } from "./proxy-address";
import type { NodeListQuery } from "./schema";

/** A node as the browser may see it: credentials masked, password reduced to "has one". */
export interface NodeRow {
  id: string;
  scheme: ProxyScheme;
  host: string;
  port: number;
  usernameMasked: string;
  hasPassword: boolean;
  label: string;
  tags: string[];
  state: "ENABLED" | "DRAINING" | "DISABLED";
  stateReason: string | null;
  stateChangedBy: string | null;
  stateChangedAt: string | null;
  createdAt: string;
  updatedAt: string;
  pools: Array<{ id: string; name: string }>;
}

/** What every view of a node (browser, REST API) reads: one select, one mapping, one masking rule. */
export const nodeRowSelect = {
  id: true,
  scheme: true,
  host: true,
  port: true,
  username: true,
  passwordSealed: true,
  label: true,
  tags: true,
  state: true,
  stateReason: true,
  stateChangedBy: true,
  stateChangedAt: true,
  createdAt: true,
  updatedAt: true,
  pools: { select: { pool: { select: { id: true, name: true } } }, orderBy: { pool: { name: "asc" } } },
} satisfies Prisma.ProxyNodeSelect;

export function toNodeRow(node: Prisma.ProxyNodeGetPayload<{ select: typeof nodeRowSelect }>): NodeRow {
  return {
    id: node.id,
    scheme: node.scheme,
    host: node.host,
    port: node.port,
    usernameMasked: maskUsername(node.username),
    hasPassword: node.passwordSealed !== null,
    label: node.label,
    tags: node.tags,
    state: node.state,
    stateReason: node.stateReason,
    stateChangedBy: node.stateChangedBy,
    stateChangedAt: node.stateChangedAt?.toISOString() ?? null,
    createdAt: node.createdAt.toISOString(),
    updatedAt: node.updatedAt.toISOString(),
    pools: node.pools.map((membership) => membership.pool),
  };
}

export function nodeListWhere(query: Pick<NodeListQuery, "search" | "poolId" | "state" | "tag" | "scheme">): Prisma.ProxyNodeWhereInput {
  const where: Prisma.ProxyNodeWhereInput = {};
  if (query.search) {
    const port = /^\d{1,5}$/.test(query.search) ? Number(query.search) : undefined;
    where.OR = [
      { host: { contains: query.search.toLowerCase() } },
      { label: { contains: query.search, mode: "insensitive" } },
      ...(port ? [{ port }] : []),
    ];
  }
  if (query.poolId) where.pools = { some: { poolId: query.poolId } };
  if (query.state) where.state = query.state;
  if (query.tag) where.tags = { has: query.tag };
  if (query.scheme) where.scheme = query.scheme;
  return where;
}

export interface NodePage {
  rows: NodeRow[];
  total: number;
  page: number;
  pageSize: number;
}

export async function listNodes(query: NodeListQuery): Promise<NodePage> {
  const where = nodeListWhere(query);
  const [total, nodes] = await Promise.all([
    prisma.proxyNode.count({ where }),
    prisma.proxyNode.findMany({
      where,
      select: nodeRowSelect,
      orderBy: [{ [query.sort]: query.direction }, { id: "asc" }],
      skip: (query.page - 1) * query.pageSize,
      take: query.pageSize,
    }),
  ]);
  return { rows: nodes.map(toNodeRow), total, page: query.page, pageSize: query.pageSize };
}

/** Ids of every node matching a filter: bulk actions on "all nodes matching this filter". */
export async function nodeIdsMatching(query: Pick<NodeListQuery, "search" | "poolId" | "state" | "tag" | "scheme">): Promise<string[]> {
  const nodes = await prisma.proxyNode.findMany({ where: nodeListWhere(query), select: { id: true }, take: 10_000 });
  return nodes.map((node) => node.id);
}

export interface NodeDetail extends NodeRow {
  /** The real user name, for the edit form of an operator; still never the password. */
  username: string;
}

/** Rows for explicit ids, in the given order (the health-sorted table pages by id). */
export async function nodeRowsByIds(ids: string[]): Promise<NodeRow[]> {
  const nodes = await prisma.proxyNode.findMany({ where: { id: { in: ids } }, select: nodeRowSelect });
  const byId = new Map(nodes.map((node) => [node.id, toNodeRow(node)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function getNode(id: string): Promise<NodeDetail | null> {
  const node = await prisma.proxyNode.findUnique({ where: { id }, select: nodeRowSelect });
  return node ? { ...toNodeRow(node), username: node.username } : null;
}

export async function listTags(): Promise<string[]> {
  const rows = await prisma.$queryRaw<Array<{ tag: string }>>`SELECT DISTINCT unnest(tags) AS tag FROM "ProxyNode" ORDER BY 1 LIMIT 1000`;
  return rows.map((row) => row.tag);
}
