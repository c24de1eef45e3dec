import { prisma } from "@/lib/db/prisma";
import { nextIncidentStep } from "./incident-machine";
import { measureRule } from "./measure-rule";
import { enqueueNotification, type AlertPayload } from "./notifications";

/** Rules are evaluated at most once per interval, whichever instance's worker gets there first. */
export const ALERT_EVALUATION_INTERVAL_MS = 30_000;

export interface EvaluationRound {
  evaluated: number;
  fired: number;
  resolved: number;
}

/**
 * Evaluates every enabled rule not evaluated within the interval. The worker job runs this under
 * an advisory lock (one instance at a time) and each rule records lastEvaluatedAt, so with any
 * number of instances a rule is evaluated once per interval. Each rule's incident change and its
 * notification commit together (outbox), so a crash never sends without recording or vice versa.
 */
export async function evaluateAlertRules(now = new Date()): Promise<EvaluationRound> {
  const due = new Date(now.getTime() - ALERT_EVALUATION_INTERVAL_MS * 0.9);
  const rules = await prisma.alertRule.findMany({
    where: { enabled: true, OR: [{ lastEvaluatedAt: null }, { lastEvaluatedAt: { lte: due } }] },
    include: { pool: { select: { id: true, name: true } } },
  });
  const round: EvaluationRound = { evaluated: 0, fired: 0, resolved: 0 };
  for (const rule of rules) {
    const measurement = await measureRule(rule, now);
    await prisma.$transaction(async (tx) => {
      const open = await tx.alertIncident.findFirst({ where: { ruleId: rule.id, state: "firing" } });
      const step = nextIncidentStep(open, measurement.breached, now, rule.holdDownMinutes);
      const payload = (event: "fired" | "resolved", incident: { id: bigint; openedAt: Date; resolvedAt: Date | null; summary: string }): AlertPayload => ({
        event,
        incident: {
          id: String(incident.id),
          state: event === "fired" ? "firing" : "resolved",
          summary: incident.summary,
          value: measurement.value,
          openedAt: incident.openedAt.toISOString(),
          resolvedAt: incident.resolvedAt?.toISOString() ?? null,
        },
        rule: { id: rule.id, name: rule.name, kind: rule.kind, origin: rule.origin, threshold: rule.threshold, windowMinutes: rule.windowMinutes },
        pool: rule.pool,
        sentAt: now.toISOString(),
      });
      if (step.action === "open") {
        // The partial unique index (one firing incident per rule) backs the advisory lock up.
        const inserted = await tx.$queryRaw<{ id: bigint }[]>`
          INSERT INTO "AlertIncident" ("ruleId", "poolId", "state", "openedAt", "value", "peakValue", "summary")
          VALUES (${rule.id}::uuid, ${rule.poolId}::uuid, 'firing', ${now}, ${measurement.value}, ${measurement.value}, ${measurement.summary})
          ON CONFLICT ("ruleId") WHERE "state" = 'firing' DO NOTHING RETURNING "id"`;
        if (inserted.length) {
          round.fired++;
          const incident = { id: inserted[0].id, openedAt: now, resolvedAt: null, summary: measurement.summary };
          await enqueueNotification(tx, { channelId: rule.channelId, incidentId: incident.id, payload: payload("fired", incident), dueAt: now });
        }
      } else if (step.action === "keep" && open) {
        await tx.alertIncident.update({
          where: { id: open.id },
          data: { value: measurement.value, peakValue: Math.max(open.peakValue, measurement.value), clearSince: step.clearSince },
        });
      } else if (step.action === "resolve" && open) {
        round.resolved++;
        const summary = `${open.summary} — resolved: ${measurement.summary}`;
        await tx.alertIncident.update({ where: { id: open.id }, data: { state: "resolved", resolvedAt: now, value: measurement.value } });
        await enqueueNotification(tx, {
          channelId: rule.channelId,
          incidentId: open.id,
          payload: payload("resolved", { id: open.id, openedAt: open.openedAt, resolvedAt: now, summary }),
          dueAt: now,
        });
      }
      await tx.alertRule.update({ where: { id: rule.id }, data: { lastEvaluatedAt: now, lastValue: measurement.value } });
    });
    round.evaluated++;
  }
  return round;
}
