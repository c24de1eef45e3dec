import "server-only";
import { randomUUID } from "node:crypto";
import { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { isUniqueViolation } from "@/lib/db/errors";
import type { Actor } from "@/lib/auth/actor";
import { recordAuditEvents, type AuditEventInput } from "@/lib/audit/record-audit-event";
import { sealSecret } from "@/lib/secrets/secret-box";
import { addPoolMembers, setNodePools } from "@/lib/pools/mutations";
import { maskedProxyUrl } from "./credential-mask";
import { parseProxyLine, proxyIdentityKey, type ProxyAddress } from "./proxy-address";
import {
  MAX_IMPORT_LINES,
  type NodeStateName,
  type changeStateSchema,
  type createNodeSchema,
  type importNodesSchema,
  type updateNodeSchema,
} from "./schema";
import type { z } from "zod";

import type { ActionResult as MutationResult } from "@/lib/http/field-errors";

const DUPLICATE_NODE = "A node with this scheme, host, port and user name already exists.";

/** What the audit log keeps of a node: everything that identifies it, never the password. */
function auditSnapshot(node: { scheme: string; host: string; port: number; username: string; passwordSealed: string | null; label: string; tags: string[]; state: string }) {
  return {
    address: maskedProxyUrl({ ...node, hasPassword: node.passwordSealed !== null }),
    label: node.label,
    tags: node.tags,
    state: node.state,
  };
}

export async function createNode(actor: Actor, input: z.output<typeof createNodeSchema>): Promise<MutationResult<{ id: string }>> {
  const { address } = input;
  try {
    const node = await prisma.$transaction(async (tx) => {
      const created = await tx.proxyNode.create({
        data: {
          scheme: address.scheme,
          host: address.host,
          port: address.port,
          username: address.username,
          passwordSealed: address.password ? sealSecret(address.password) : null,
          label: input.label,
          tags: input.tags,
        },
      });
      await setNodePools(tx, created.id, input.poolIds);
      await recordAuditEvents(tx, actor, [{ action: "node.created", subjectType: "node", subjectId: created.id, nodeId: created.id, after: auditSnapshot(created) }]);
      return created;
    });
    return { ok: true, id: node.id };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, code: "conflict", fieldErrors: { host: DUPLICATE_NODE } };
    throw error;
  }
}

export async function updateNode(actor: Actor, input: z.output<typeof updateNodeSchema>): Promise<MutationResult> {
  const { address } = input;
  try {
    return await prisma.$transaction(async (tx) => {
      const before = await tx.proxyNode.findUnique({ where: { id: input.id } });
      if (!before) return { ok: false as const, code: "not_found" as const, fieldErrors: { form: "This node no longer exists." } };
      // An empty password field keeps the stored one, unless the user name was removed or changed.
      const keepPassword = address.password === "" && !input.clearPassword && address.username !== "" && address.username === before.username;
      const after = await tx.proxyNode.update({
        where: { id: input.id },
        data: {
          scheme: address.scheme,
          host: address.host,
          port: address.port,
          username: address.username,
          passwordSealed: address.password ? sealSecret(address.password) : keepPassword ? before.passwordSealed : null,
          label: input.label,
          tags: input.tags,
        },
      });
      await setNodePools(tx, after.id, input.poolIds);
      await recordAuditEvents(tx, actor, [
        { action: "node.updated", subjectType: "node", subjectId: after.id, nodeId: after.id, before: auditSnapshot(before), after: auditSnapshot(after) },
      ]);
      return { ok: true as const };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, code: "conflict", fieldErrors: { host: DUPLICATE_NODE } };
    throw error;
  }
}

export async function deleteNodes(actor: Actor, nodeIds: string[]): Promise<{ deleted: number }> {
  return prisma.$transaction(async (tx) => {
    const nodes = await tx.proxyNode.findMany({ where: { id: { in: nodeIds } } });
    await recordAuditEvents(
      tx,
      actor,
      nodes.map((node) => ({ action: "node.deleted", subjectType: "node", subjectId: node.id, before: auditSnapshot(node) })),
    );
    const { count } = await tx.proxyNode.deleteMany({ where: { id: { in: nodes.map((node) => node.id) } } });
    return { deleted: count };
  });
}

/**
 * Automatic health's state change (lib/health: ejection, re-admission) inside its transaction, with
 * its own audit event there. Guarded so an operator's decision wins: it disables only an ENABLED
 * node, and re-enables only a node that `by` itself disabled. Returns whether the node changed.
 */
export async function setNodeStateAutomatically(
  tx: Prisma.TransactionClient,
  nodeId: string,
  change: { state: "ENABLED" | "DISABLED"; reason: string; by: string; at: Date },
): Promise<boolean> {
  const guard = change.state === "DISABLED" ? Prisma.sql`AND "state" = 'ENABLED'` : Prisma.sql`AND "state" = 'DISABLED' AND "stateChangedBy" = ${change.by}`;
  const changed = await tx.$executeRaw`
    UPDATE "ProxyNode" SET "state" = ${change.state}::"NodeState", "stateReason" = ${change.reason},
      "stateChangedBy" = ${change.by}, "stateChangedAt" = ${change.at}, "updatedAt" = ${change.at}
    WHERE "id" = ${nodeId}::uuid ${guard}`;
  return changed > 0;
}

/** A node's rotation URL (lib/health's IP rotation), inside the caller's transaction with its audit event. */
export async function setNodeRotationUrl(tx: Prisma.TransactionClient, nodeId: string, rotationUrl: string | null): Promise<void> {
  await tx.proxyNode.update({ where: { id: nodeId }, data: { rotationUrl } });
}

/**
 * ENABLED takes work, DRAINING finishes what it has and takes no new work, DISABLED takes nothing.
 * Nodes already in the target state are left alone (no audit noise); the rest change in one
 * transaction with one audit event each, recording who, why and the state before.
 */
export async function changeNodeState(actor: Actor, input: z.output<typeof changeStateSchema>): Promise<{ changed: number; unchanged: number }> {
  return prisma.$transaction(async (tx) => {
    // FOR UPDATE: a concurrent change of the same nodes waits, then sees the new state and skips
    // them, so two identical clicks write one state change and one audit event, not two.
    const nodes = await tx.$queryRaw<Array<{ id: string; state: NodeStateName }>>`
      SELECT "id", "state"::text AS "state" FROM "ProxyNode"
      WHERE "id" = ANY(${input.nodeIds}::uuid[]) AND "state" <> ${input.state}::"NodeState"
      ORDER BY "id" FOR UPDATE`;
    if (nodes.length > 0) {
      await tx.proxyNode.updateMany({
        where: { id: { in: nodes.map((node) => node.id) } },
        data: { state: input.state, stateReason: input.reason || null, stateChangedBy: actor.label, stateChangedAt: new Date() },
      });
      await recordAuditEvents(
        tx,
        actor,
        nodes.map((node) => ({
          action: `node.${stateVerb(input.state)}`,
          subjectType: "node",
          subjectId: node.id,
          nodeId: node.id,
          reason: input.reason || null,
          before: { state: node.state },
          after: { state: input.state },
        })),
      );
    }
    return { changed: nodes.length, unchanged: input.nodeIds.length - nodes.length };
  });
}

function stateVerb(state: NodeStateName): string {
  return state === "ENABLED" ? "enabled" : state === "DRAINING" ? "drained" : "disabled";
}

export type ImportLineStatus = "added" | "duplicate" | "invalid";
export interface ImportLineReport {
  line: number;
  status: ImportLineStatus;
  /** The node's masked address (never the password, never the raw line). */
  address?: string;
  field?: string;
  message?: string;
}
export interface ImportReport {
  added: number;
  duplicate: number;
  invalid: number;
  lines: ImportLineReport[];
}

/**
 * Bulk import. Each line is parsed on its own; a bad line is reported and never stored, good lines
 * go in with one INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING (10,000 lines ≈ 1 s).
 * Same scheme/host/port/user = same node: later copies in the paste and nodes already stored are
 * "duplicate". A stored duplicate joins the chosen pool only when `attachExisting` (operators, who
 * see every node); a pool-restricted API key passes false, so only the rows this import created
 * join its pool and a duplicate never pulls in a node the key could not already see.
 */
export async function importNodes(
  actor: Actor,
  input: z.output<typeof importNodesSchema>,
  options: { attachExisting: boolean } = { attachExisting: true },
): Promise<MutationResult<{ report: ImportReport }>> {
  const rawLines = input.text.split(/\r?\n/);
  while (rawLines.length > 0 && rawLines[rawLines.length - 1].trim() === "") rawLines.pop();
  if (rawLines.length > MAX_IMPORT_LINES) {
    return { ok: false, fieldErrors: { text: `The list has ${rawLines.length} lines; at most ${MAX_IMPORT_LINES} per import.` } };
  }

  const lines: ImportLineReport[] = [];
  const firstLineOf = new Map<string, number>();
  const candidates: Array<{ line: number; key: string; address: ProxyAddress }> = [];
  rawLines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "" || raw.trim().startsWith("#")) return; // blank lines and comments are not nodes
    const parsed = parseProxyLine(raw, input.defaultScheme);
    if (!parsed.ok) {
      lines.push({ line, status: "invalid", field: parsed.problem.field, message: parsed.problem.message });
      return;
    }
    const key = proxyIdentityKey(parsed.address);
    const address = maskedProxyUrl({ ...parsed.address, hasPassword: parsed.address.password !== "" });
    const earlier = firstLineOf.get(key);
    if (earlier !== undefined) {
      lines.push({ line, status: "duplicate", address, message: `Same node as line ${earlier}.` });
      return;
    }
    firstLineOf.set(key, line);
    candidates.push({ line, key, address: parsed.address });
    lines.push({ line, status: "added", address });
  });

  const report = await prisma.$transaction(
    async (tx) => {
      const inserted = candidates.length ? await insertNodes(tx, candidates.map((candidate) => candidate.address), input.tags) : [];
      const insertedKeys = new Set(inserted.map((row) => proxyIdentityKey(row)));
      const candidateByLine = new Map(candidates.map((candidate) => [candidate.line, candidate]));
      const stored = candidates.filter((candidate) => !insertedKeys.has(candidate.key));
      const storedMatches = input.poolId ? await storedNodes(tx, stored, input.poolId) : [];
      const outsidePool = new Set(options.attachExisting ? [] : storedMatches.filter((node) => !node.inPool).map((node) => node.key));
      for (const entry of lines) {
        if (entry.status !== "added") continue;
        const candidate = candidateByLine.get(entry.line);
        if (candidate && !insertedKeys.has(candidate.key)) {
          entry.status = "duplicate";
          entry.message = outsidePool.has(candidate.key) ? "Already stored outside this key's pool; not added to the pool." : "Already stored.";
        }
      }
      if (input.poolId) {
        // Stored duplicates join too only when the caller may see every node (see above).
        const joining = [...inserted.map((row) => row.id), ...(options.attachExisting ? storedMatches.map((node) => node.id) : [])];
        await addPoolMembers(tx, input.poolId, joining);
      }
      const summary = {
        added: lines.filter((l) => l.status === "added").length,
        duplicate: lines.filter((l) => l.status === "duplicate").length,
        invalid: lines.filter((l) => l.status === "invalid").length,
      };
      const event: AuditEventInput = {
        action: "nodes.imported",
        subjectType: "import",
        subjectId: randomUUID(),
        after: { ...summary, tags: input.tags, poolId: input.poolId ?? null },
      };
      await recordAuditEvents(tx, actor, [event]);
      return { ...summary, lines: lines.sort((a, b) => a.line - b.line) };
    },
    { timeout: 60_000 },
  );
  return { ok: true, report };
}

/** The stored nodes matching these candidates' addresses, and whether each is already in the pool. */
async function storedNodes(tx: Prisma.TransactionClient, candidates: Array<{ address: ProxyAddress }>, poolId: string): Promise<Array<{ id: string; key: string; inPool: boolean }>> {
  if (candidates.length === 0) return [];
  const rows = await tx.$queryRaw<Array<{ id: string; scheme: ProxyAddress["scheme"]; host: string; port: number; username: string; inPool: boolean }>>`
    SELECT n.id, n.scheme::text AS scheme, n.host, n.port, n.username,
      EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = n.id AND m."poolId" = ${poolId}::uuid) AS "inPool"
    FROM "ProxyNode" n
    JOIN unnest(${candidates.map((c) => c.address.scheme)}::text[], ${candidates.map((c) => c.address.host)}::text[],
                ${candidates.map((c) => c.address.port)}::int[], ${candidates.map((c) => c.address.username)}::text[])
         AS l(scheme, host, port, username)
      ON n.scheme::text = l.scheme AND n.host = l.host AND n.port = l.port AND n.username = l.username`;
  return rows.map((row) => ({ id: row.id, key: proxyIdentityKey(row), inPool: row.inPool }));
}

async function insertNodes(tx: Prisma.TransactionClient, addresses: ProxyAddress[], tags: string[]) {
  const now = new Date();
  return tx.$queryRaw<Array<{ id: string; scheme: ProxyAddress["scheme"]; host: string; port: number; username: string }>>`
    INSERT INTO "ProxyNode" ("id", "scheme", "host", "port", "username", "passwordSealed", "tags", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), l.scheme::"ProxyScheme", l.host, l.port, l.username, l.sealed, ${tags}::text[], ${now}, ${now}
    FROM unnest(${addresses.map((a) => a.scheme)}::text[], ${addresses.map((a) => a.host)}::text[], ${addresses.map((a) => a.port)}::int[],
                ${addresses.map((a) => a.username)}::text[], ${addresses.map((a) => (a.password ? sealSecret(a.password) : null))}::text[])
         AS l(scheme, host, port, username, sealed)
    ON CONFLICT ("scheme", "host", "port", "username") DO NOTHING
    RETURNING "id"::text AS id, "scheme"::text AS scheme, "host", "port", "username"`;
}
