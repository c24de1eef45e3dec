import { prisma } from "@/lib/db/prisma";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { AuthorizationError, roleAtLeast, type Actor } from "@/lib/auth/actor";
import { parseInput, UserInputError, uuidSchema } from "@/lib/auth/validation";
import { sealSecret } from "@/lib/secrets/secret-box";
import { enqueueNotification, postToChannel, type AlertPayload, type DeliveryOutcome } from "./notifications";
import { alertChannelInput, alertRuleInput } from "./schema";

function requireRole(actor: Actor, minimum: "operator" | "admin", what: string): void {
  if (!roleAtLeast(actor.role, minimum)) throw new AuthorizationError(403, `Only ${minimum === "admin" ? "an admin" : "an operator or admin"} can ${what}.`);
}

/** Admin only: a channel holds a URL the server will call and a signing secret. */
export async function createAlertChannel(actor: Actor, input: unknown): Promise<{ id: string; name: string }> {
  requireRole(actor, "admin", "manage alert channels");
  const data = parseInput(alertChannelInput, input);
  if (await prisma.alertChannel.findUnique({ where: { name: data.name }, select: { id: true } })) throw new UserInputError("A channel with this name exists.", "name");
  return prisma.$transaction(async (tx) => {
    const channel = await tx.alertChannel.create({
      data: { name: data.name, kind: data.kind, url: data.url, secretSealed: data.secret ? sealSecret(data.secret) : null },
      select: { id: true, name: true },
    });
    await recordAuditEvents(tx, actor, [
      { action: "alert_channel.created", subjectType: "alert_channel", subjectId: channel.id, after: { name: data.name, kind: data.kind, url: data.url, signed: Boolean(data.secret) } },
    ]);
    return channel;
  });
}

export async function deleteAlertChannel(actor: Actor, channelId: unknown): Promise<void> {
  requireRole(actor, "admin", "manage alert channels");
  const id = parseInput(uuidSchema, channelId);
  await prisma.$transaction(async (tx) => {
    const channel = await tx.alertChannel.findUnique({ where: { id }, include: { _count: { select: { rules: true } } } });
    if (!channel) throw new UserInputError("No such channel.");
    if (channel._count.rules > 0) throw new UserInputError(`${channel._count.rules} rule(s) still notify this channel; delete or move them first.`);
    await tx.alertChannel.delete({ where: { id } });
    await recordAuditEvents(tx, actor, [{ action: "alert_channel.deleted", subjectType: "alert_channel", subjectId: id, before: { name: channel.name, url: channel.url } }]);
  });
}

/**
 * Sends a test notification now (one attempt, no retries: the operator is watching) and records
 * it in the notification log with its outcome.
 */
export async function sendTestNotification(actor: Actor, channelId: unknown): Promise<DeliveryOutcome> {
  requireRole(actor, "operator", "send test notifications");
  const id = parseInput(uuidSchema, channelId);
  const channel = await prisma.alertChannel.findUnique({ where: { id } });
  if (!channel) throw new UserInputError("No such channel.");
  const payload: AlertPayload = { event: "test", incident: null, rule: null, pool: null, sentAt: new Date().toISOString() };
  const notificationId = await enqueueNotification(prisma, { channelId: id, incidentId: null, payload });
  const outcome = await postToChannel(channel, notificationId, payload);
  await prisma.alertNotification.update({
    where: { id: notificationId },
    data: { status: outcome.ok ? "delivered" : "failed", attempts: 1, deliveredAt: outcome.ok ? new Date() : null, lastError: outcome.error },
  });
  return outcome;
}

export async function createAlertRule(actor: Actor, input: unknown): Promise<{ id: string; name: string }> {
  requireRole(actor, "operator", "manage alert rules");
  const data = parseInput(alertRuleInput, input);
  if (!(await prisma.pool.findUnique({ where: { id: data.poolId }, select: { id: true } }))) throw new UserInputError("No such pool.", "poolId");
  if (!(await prisma.alertChannel.findUnique({ where: { id: data.channelId }, select: { id: true } }))) throw new UserInputError("No such channel.", "channelId");
  return prisma.$transaction(async (tx) => {
    const rule = await tx.alertRule.create({ data, select: { id: true, name: true } });
    await recordAuditEvents(tx, actor, [{ action: "alert_rule.created", subjectType: "alert_rule", subjectId: rule.id, after: data }]);
    return rule;
  });
}

export async function setAlertRuleEnabled(actor: Actor, ruleId: unknown, enabled: boolean): Promise<void> {
  requireRole(actor, "operator", "manage alert rules");
  const id = parseInput(uuidSchema, ruleId);
  await prisma.$transaction(async (tx) => {
    const rule = await tx.alertRule.findUnique({ where: { id }, select: { enabled: true } });
    if (!rule) throw new UserInputError("No such rule.");
    await tx.alertRule.update({ where: { id }, data: { enabled } });
    await recordAuditEvents(tx, actor, [{ action: enabled ? "alert_rule.enabled" : "alert_rule.disabled", subjectType: "alert_rule", subjectId: id, before: rule, after: { enabled } }]);
  });
}

/** Deleting a rule deletes its incident history too (cascade). */
export async function deleteAlertRule(actor: Actor, ruleId: unknown): Promise<boolean> {
  requireRole(actor, "operator", "manage alert rules");
  const id = parseInput(uuidSchema, ruleId);
  return prisma.$transaction(async (tx) => {
    const rule = await tx.alertRule.findUnique({ where: { id } });
    if (!rule) return false;
    await tx.alertRule.delete({ where: { id } });
    await recordAuditEvents(tx, actor, [
      { action: "alert_rule.deleted", subjectType: "alert_rule", subjectId: id, before: { name: rule.name, kind: rule.kind, poolId: rule.poolId, threshold: rule.threshold } },
    ]);
    return true;
  });
}
