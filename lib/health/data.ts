import type { z } from "zod";
import { Prisma, type PrismaClient } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { DEFAULT_HEALTH_POLICY as D, type healthPolicySchema } from "./schema";
import { isInRotation, RECENT_VERDICTS_SQL, ROTATION_WINDOW_SQL, type RecentVerdicts } from "./health-rule";

/**
 * How many of a pool's nodes are in rotation now by THE health rule (./health-rule.ts): the nodes
 * the checkout index and the gateway would hand out. The "healthy nodes below N" alert reads this.
 */
export async function poolNodesInRotation(poolId: string): Promise<{ inRotation: number; total: number }> {
  const nodes = await prisma.$queryRawUnsafe<Array<{ state: string } & RecentVerdicts>>(
    `SELECT n."state"::text AS "state", coalesce(v."recentOk", '{}') AS "recentOk", coalesce(v."recentMeasured", '{}') AS "recentMeasured",
            coalesce(v."recentMeasuredOk", '{}') AS "recentMeasuredOk"
     FROM "PoolMembership" m JOIN "ProxyNode" n ON n."id" = m."nodeId"
     LEFT JOIN (SELECT "nodeId",${RECENT_VERDICTS_SQL}
                FROM "ProbeResult" WHERE ${ROTATION_WINDOW_SQL} AND "nodeId" IN (SELECT "nodeId" FROM "PoolMembership" WHERE "poolId" = $1::uuid)
                GROUP BY "nodeId") v ON v."nodeId" = n."id"
     WHERE m."poolId" = $1::uuid`,
    poolId,
  );
  return { inRotation: nodes.filter((node) => isInRotation(node.state, node)).length, total: nodes.length };
}

/**
 * The columns of the policy each pool follows, for SQL over "PoolMembership" m LEFT JOIN
 * "PoolHealthPolicy" p: its saved policy, else DEFAULT_HEALTH_POLICY (the one place the default is
 * applied; the health machine, the nodes table and the overview read it through this).
 */
export const effectivePolicyColumns = Prisma.sql`
  coalesce(p."enabled", ${D.enabled}) AS "enabled", coalesce(p."windowMinutes", ${D.windowMinutes}) AS "windowMinutes",
  coalesce(p."minSamples", ${D.minSamples}) AS "minSamples", coalesce(p."max502504Rate", ${D.max502504Rate}::float8) AS "max502504Rate",
  coalesce(p."maxConsecutiveFailures", ${D.maxConsecutiveFailures}) AS "maxConsecutiveFailures",
  coalesce(p."readmitAfterSuccesses", ${D.readmitAfterSuccesses}) AS "readmitAfterSuccesses",
  coalesce(p."backoffBaseSeconds", ${D.backoffBaseSeconds}) AS "backoffBaseSeconds", coalesce(p."backoffMaxSeconds", ${D.backoffMaxSeconds}) AS "backoffMaxSeconds"`;

export type HealthPolicySettings = z.output<typeof healthPolicySchema>;

/** The policy a pool follows (saved, or the default) and whether it was saved. */
export async function poolHealthPolicy(poolId: string): Promise<HealthPolicySettings & { saved: boolean }> {
  const saved = await prisma.poolHealthPolicy.findUnique({ where: { poolId } });
  if (!saved) return { ...D, saved: false };
  const { enabled, windowMinutes, minSamples, max502504Rate, maxConsecutiveFailures, readmitAfterSuccesses, backoffBaseSeconds, backoffMaxSeconds } = saved;
  return { enabled, windowMinutes, minSamples, max502504Rate, maxConsecutiveFailures, readmitAfterSuccesses, backoffBaseSeconds, backoffMaxSeconds, saved: true };
}

/** What the nodes table and the node page say about a node's automatic health. */
export interface NodeHealthRule {
  /** False: automatic health is off in every pool of the node (it is never ejected automatically). */
  automatic: boolean;
  /** The rule in words, from the strictest enabled policy of its pools (or why there is none). */
  rule: string;
}

/** Per node: the strictest enabled policy of its pools (fewest failures in a row allowed), in words. */
export async function nodeHealthRules(nodeIds: string[], db: Pick<PrismaClient, "$queryRaw"> = prisma): Promise<Map<string, NodeHealthRule>> {
  const rows = await db.$queryRaw<Array<HealthPolicySettings & { nodeId: string; pools: bigint }>>`
    SELECT DISTINCT ON (ids.id) ids.id::text AS "nodeId", e.*, (SELECT count(*) FROM "PoolMembership" pm WHERE pm."nodeId" = ids.id) AS "pools"
    FROM unnest(${nodeIds}::uuid[]) AS ids(id)
    LEFT JOIN LATERAL (
      SELECT ${effectivePolicyColumns} FROM "PoolMembership" m LEFT JOIN "PoolHealthPolicy" p ON p."poolId" = m."poolId" WHERE m."nodeId" = ids.id
    ) e ON true
    ORDER BY ids.id, e."enabled" DESC NULLS LAST, e."maxConsecutiveFailures"`;
  return new Map(
    rows.map((row): [string, NodeHealthRule] => {
      if (row.enabled) return [row.nodeId, { automatic: true, rule: describeHealthPolicy(row) }];
      const why = Number(row.pools) === 0 ? "in no pool" : "off for all of its pools";
      return [row.nodeId, { automatic: false, rule: `Automatic health is ${why}: the node is never ejected automatically (it still leaves rotation after 3 node-caused failures in a row).` }];
    }),
  );
}

/** A policy in one sentence (the nodes table's health column, the node page). */
export function describeHealthPolicy(policy: Omit<HealthPolicySettings, "enabled">): string {
  return (
    `Ejected after ${policy.maxConsecutiveFailures} node-caused failures in a row, or a node-caused 502/504 rate ≥ ${Math.round(policy.max502504Rate * 100)} % ` +
    `over ${policy.windowMinutes} min with ≥ ${policy.minSamples} results; re-admitted after ${policy.readmitAfterSuccesses} successful re-tests in a row ` +
    `(then probation). Target-caused failures and blocks never count.`
  );
}
