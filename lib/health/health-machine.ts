import { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { setNodeStateAutomatically } from "@/lib/nodes/mutations";
import { CLASSES_502, CLASSES_504, NODE_FAULT_ORIGINS } from "@/lib/probe/fault-taxonomy";
import { MEASURED_SOURCES } from "@/lib/probe/result-writer";
import { countsAgainstNode, isMeasured } from "./health-rule";
import { effectivePolicyColumns } from "./data";

/**
 * Automatic health (see lib/stats/README.md, "Health state machine").
 *
 *   healthy ──(consecutive node failures ≥ max, or node-caused 502/504 rate ≥ max over the
 *              window with ≥ minSamples)──▶ ejected   [ProxyNode DISABLED, "auto: …", by automation]
 *   ejected ──(re-test due: backoff base·2^attempts, ±20 % jitter, capped)──▶ re-test
 *             re-test fails → attempts+1, next backoff;  N successes in a row ──▶ probation [ENABLED]
 *   probation ──(any node failure)──▶ ejected (attempts keep growing)
 *   probation ──(N more successes in a row)──▶ healthy (attempts reset)
 *
 * What counts is THE health rule (./health-rule.ts): only node-caused failures (faultOrigin proxy or
 * network) count against a node, a success clears, a target's own 5xx or block is skipped; only what
 * Switchyard measured is evidence (caller reports feed the statistics, never ejection or re-admission). Automation acts only on nodes it may touch: an ENABLED node to eject, and a node
 * it disabled itself to re-admit. An operator who changes the state of an ejected node takes it
 * over (health goes back to healthy); a pinned node is never changed by automation.
 */
export const AUTOMATION_LABEL = SYSTEM_ACTOR.label;

export interface HealthPolicy {
  poolId: string;
  windowMinutes: number;
  minSamples: number;
  max502504Rate: number;
  maxConsecutiveFailures: number;
  readmitAfterSuccesses: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

export interface HealthEvaluationOptions {
  now?: () => Date;
  /** Random source for jitter (tests pass a fixed one). */
  random?: () => number;
  /** Re-tests one ejected node against the given targets and persists the results. */
  retest: (nodeId: string, targetIds: string[]) => Promise<void>;
  /** Only these pools (tests); default every pool with an enabled policy. */
  poolIds?: string[];
  /**
   * Results that started after this are looked at to find nodes with something new to evaluate
   * (default: the last hour). The worker passes its previous round's start minus the longest
   * check, so a round touches only nodes with new results plus ejected / probation ones.
   */
  since?: Date;
}

export interface HealthTransition {
  nodeId: string;
  from: string;
  to: string;
  reason: string;
}

export function backoffMs(policy: Pick<HealthPolicy, "backoffBaseSeconds" | "backoffMaxSeconds">, attempts: number, random: () => number): number {
  const base = Math.min(policy.backoffMaxSeconds, policy.backoffBaseSeconds * 2 ** Math.min(attempts, 30)) * 1000;
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface Candidate extends HealthPolicy {
  nodeId: string;
  targetIds: string[];
}

/**
 * Nodes to evaluate this round: under an enabled policy (a pool without a saved one follows the
 * default, which is on; each node follows its strictest one, fewest consecutive failures allowed)
 * and either with results not evaluated yet or not healthy.
 */
async function candidates(since: Date, poolIds?: string[]): Promise<Candidate[]> {
  return prisma.$queryRaw<Candidate[]>`
    WITH active AS (
      SELECT p."nodeId" FROM "ProbeResult" p WHERE p."startedAt" > ${since}
      GROUP BY 1 HAVING max(p."id") > coalesce((SELECT h."lastResultId" FROM "NodeHealth" h WHERE h."nodeId" = p."nodeId"), 0)
    )
    SELECT DISTINCT ON (e."nodeId") e.* FROM (
      SELECT m."nodeId", m."poolId", ${effectivePolicyColumns}, coalesce(s."targetIds", '{}'::uuid[])::text[] AS "targetIds"
      FROM "PoolMembership" m
      LEFT JOIN "PoolHealthPolicy" p ON p."poolId" = m."poolId"
      LEFT JOIN "PoolProbeSettings" s ON s."poolId" = m."poolId"
      WHERE (${poolIds ?? null}::uuid[] IS NULL OR m."poolId" = ANY(${poolIds ?? null}::uuid[]))
        AND (m."nodeId" IN (SELECT "nodeId" FROM active)
             -- not healthy, or its pool's policy changed since it was last evaluated (a stricter
             -- policy applies to the counters it has, without waiting for new results)
             OR EXISTS (SELECT 1 FROM "NodeHealth" h WHERE h."nodeId" = m."nodeId" AND (h."state" <> 'healthy' OR p."updatedAt" > h."updatedAt")))
    ) e
    WHERE e."enabled"
    ORDER BY e."nodeId", e."maxConsecutiveFailures", e."poolId"`;
}

/** One evaluation round over every node under an enabled policy. Run by the worker under an advisory lock. */
export async function evaluateHealth(options: HealthEvaluationOptions): Promise<HealthTransition[]> {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const list = await candidates(options.since ?? new Date(now().getTime() - 3_600_000), options.poolIds);
  if (list.length === 0) return [];
  await prisma.$executeRaw`INSERT INTO "NodeHealth" ("nodeId", "updatedAt") SELECT unnest(${list.map((c) => c.nodeId)}::uuid[]), now() ON CONFLICT DO NOTHING`;
  const transitions: HealthTransition[] = [];
  for (const candidate of list) {
    const t = await evaluateNode(candidate, now(), random);
    if (t) transitions.push(t);
    const health = await prisma.nodeHealth.findUnique({ where: { nodeId: candidate.nodeId } });
    if (health?.state === "ejected" && !health.pinned && health.nextCheckAt && health.nextCheckAt <= now() && candidate.targetIds.length > 0) {
      await options.retest(candidate.nodeId, candidate.targetIds);
      const after = await evaluateNode(candidate, now(), random, true);
      if (after) transitions.push(after);
    }
  }
  return transitions;
}

/**
 * Folds the node's new results into its counters and applies at most one transition, in one
 * transaction with the node and health rows locked (FOR UPDATE): an operator's concurrent change
 * or pin either happens before (and is seen) or waits.
 */
async function evaluateNode(policy: Candidate, now: Date, random: () => number, afterRetest = false): Promise<HealthTransition | null> {
  return prisma.$transaction(async (tx) => {
    const [node] = await tx.$queryRaw<Array<{ state: string; stateChangedBy: string | null }>>`
      SELECT "state"::text AS state, "stateChangedBy" FROM "ProxyNode" WHERE "id" = ${policy.nodeId}::uuid FOR UPDATE`;
    const [health] = await tx.$queryRaw<
      Array<{ state: string; pinned: boolean; attempts: number; lastResultId: bigint; consecutiveOk: number; consecutiveFail: number; nextCheckAt: Date | null }>
    >`SELECT "state", "pinned", "attempts", "lastResultId", "consecutiveOk", "consecutiveFail", "nextCheckAt" FROM "NodeHealth" WHERE "nodeId" = ${policy.nodeId}::uuid FOR UPDATE`;
    if (!node || !health) return null;

    const fresh = await tx.$queryRaw<Array<{ id: bigint; faultClass: string; faultOrigin: string; source: string }>>`
      SELECT "id", "faultClass", "faultOrigin", "source" FROM "ProbeResult"
      WHERE "nodeId" = ${policy.nodeId}::uuid AND "id" > ${health.lastResultId} AND "startedAt" > ${new Date(now.getTime() - 3_600_000)}
      ORDER BY "id"`;
    let { consecutiveOk, consecutiveFail } = health;
    let lastResultId = health.lastResultId;
    for (const r of fresh) {
      lastResultId = r.id;
      if (!isMeasured(r.source)) continue;
      if (r.faultClass === "ok") {
        consecutiveOk++;
        consecutiveFail = 0;
      } else if (countsAgainstNode(r)) {
        consecutiveFail++;
        consecutiveOk = 0;
      }
    }

    let state = health.state;
    let attempts = health.attempts;
    let nextCheckAt = health.nextCheckAt;
    let transition: HealthTransition | null = null;
    const disabledByUs = node.state === "DISABLED" && node.stateChangedBy === AUTOMATION_LABEL;

    const move = async (to: string, reason: string, nodeState: "ENABLED" | "DISABLED" | null) => {
      transition = { nodeId: policy.nodeId, from: state, to, reason };
      if (nodeState) {
        await setNodeStateAutomatically(tx, policy.nodeId, { state: nodeState, reason: `auto: ${reason}`, by: AUTOMATION_LABEL, at: now });
        await recordAuditEvents(tx, SYSTEM_ACTOR, [
          {
            action: to === "ejected" ? "node.auto_ejected" : "node.auto_readmitted",
            subjectType: "node",
            subjectId: policy.nodeId,
            nodeId: policy.nodeId,
            reason: `auto: ${reason}`,
            before: { state: node.state, health: state },
            after: { state: nodeState, health: to, attempts, nextCheckAt: nextCheckAt?.toISOString() ?? null },
          },
        ]);
      }
      state = to;
    };

    if (health.pinned) {
      // Pinned: counters move, state does not.
    } else if (state === "ejected" && !disabledByUs) {
      // An operator took the node over (enabled, drained or re-disabled it): automation lets go.
      state = "healthy";
      attempts = 0;
      nextCheckAt = null;
      transition = { nodeId: policy.nodeId, from: "ejected", to: "healthy", reason: "operator changed the state" };
    } else if (state === "ejected") {
      if (afterRetest && consecutiveFail > 0) {
        attempts++;
        nextCheckAt = new Date(now.getTime() + backoffMs(policy, attempts, random));
      } else if (consecutiveOk >= policy.readmitAfterSuccesses) {
        nextCheckAt = null;
        await move("probation", `re-admitted after ${consecutiveOk} successful re-tests in a row (slow start: probation)`, "ENABLED");
        consecutiveOk = 0;
      } else if (afterRetest) {
        // A success, not enough yet: the next re-test comes soon, without growing the backoff.
        nextCheckAt = new Date(now.getTime() + backoffMs(policy, 0, random));
      }
    } else if (node.state === "ENABLED") {
      const reason =
        state === "probation" && consecutiveFail > 0 ? "node-caused failure during probation" : await ejectionReason(tx, policy, consecutiveFail, now);
      if (reason) {
        if (state === "probation") attempts++;
        else attempts = 0;
        nextCheckAt = new Date(now.getTime() + backoffMs(policy, attempts, random));
        await move("ejected", reason, "DISABLED");
        consecutiveOk = 0;
      } else if (state === "probation" && consecutiveOk >= policy.readmitAfterSuccesses) {
        attempts = 0;
        await move("healthy", `${consecutiveOk} successes in a row on probation`, null);
      }
    }

    await tx.$executeRaw`UPDATE "NodeHealth" SET "state" = ${state}, "attempts" = ${attempts}, "nextCheckAt" = ${nextCheckAt},
      "lastResultId" = ${lastResultId}, "consecutiveOk" = ${consecutiveOk}, "consecutiveFail" = ${consecutiveFail},
      "reason" = coalesce(${(transition as HealthTransition | null)?.reason ?? null}, "reason"),
      "changedAt" = CASE WHEN ${transition !== null} THEN ${now}::timestamptz ELSE "changedAt" END, "updatedAt" = ${now}
      WHERE "nodeId" = ${policy.nodeId}::uuid`;
    return transition;
  });
}

async function ejectionReason(tx: Prisma.TransactionClient, policy: Candidate, consecutiveFail: number, now: Date): Promise<string | null> {
  if (consecutiveFail >= policy.maxConsecutiveFailures) return `${consecutiveFail} node-caused failures in a row`;
  const [w] = await tx.$queryRaw<Array<{ n: bigint; bad: bigint }>>`
    SELECT count(*) AS n, count(*) FILTER (WHERE "faultOrigin" = ANY(${NODE_FAULT_ORIGINS}::text[]) AND ("faultClass" = ANY(${CLASSES_502}::text[]) OR "faultClass" = ANY(${CLASSES_504}::text[]))) AS bad
    FROM "ProbeResult" WHERE "nodeId" = ${policy.nodeId}::uuid AND "source" = ANY(${MEASURED_SOURCES}::text[]) AND "startedAt" > ${new Date(now.getTime() - policy.windowMinutes * 60_000)}`;
  const n = Number(w.n);
  const rate = n > 0 ? Number(w.bad) / n : 0;
  if (n >= policy.minSamples && rate >= policy.max502504Rate)
    return `node-caused 502/504 rate ${(rate * 100).toFixed(0)}% over ${policy.windowMinutes} min (${w.bad} of ${n}) ≥ ${(policy.max502504Rate * 100).toFixed(0)}%`;
  return null;
}
