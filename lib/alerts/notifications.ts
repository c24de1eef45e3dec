import { createHmac } from "node:crypto";
import type { Prisma } from "@/generated/prisma/client";
import { prisma } from "@/lib/db/prisma";
import { openSecret } from "@/lib/secrets/secret-box";

/**
 * The alert outbox: each incident event is a row (written in the evaluation's transaction), a
 * worker job delivers due rows with retries and exponential backoff. Receivers dedupe on the
 * X-Switchyard-Delivery header, which stays the same across retries of one notification.
 */
export type AlertEvent = "fired" | "resolved" | "test";

export interface AlertPayload {
  event: AlertEvent;
  incident: {
    id: string;
    state: "firing" | "resolved";
    summary: string;
    value: number;
    openedAt: string;
    resolvedAt: string | null;
  } | null;
  rule: { id: string; name: string; kind: string; origin: string | null; threshold: number; windowMinutes: number } | null;
  pool: { id: string; name: string } | null;
  sentAt: string;
}

export const SIGNATURE_HEADER = "x-switchyard-signature";
export const MAX_ATTEMPTS = 8;
const FETCH_TIMEOUT_MS = 10_000;

function retryBaseMs(): number {
  const configured = Number(process.env.SWITCHYARD_ALERT_RETRY_BASE_MS ?? 30_000);
  return Number.isFinite(configured) && configured > 0 ? configured : 30_000;
}

/** Delay before attempt n+1 after n failed attempts: base × 2^(n−1), at most 1 h, ±10 % jitter. */
export function retryDelayMs(failedAttempts: number, base = retryBaseMs()): number {
  const delay = Math.min(base * 2 ** Math.max(0, failedAttempts - 1), 3_600_000);
  return Math.round(delay * (0.9 + Math.random() * 0.2));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed too, against replays. */
export function signBody(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Slack's incoming-webhook shape: a `text` field (mrkdwn). */
export function slackBody(payload: AlertPayload): { text: string } {
  if (payload.event === "test") return { text: "Switchyard test notification: this channel receives alerts." };
  const icon = payload.event === "fired" ? ":red_circle:" : ":large_green_circle:";
  const verb = payload.event === "fired" ? "FIRING" : "RESOLVED";
  return { text: `${icon} *[${verb}] ${payload.rule?.name ?? "alert"}* — pool *${payload.pool?.name ?? "?"}*: ${payload.incident?.summary ?? ""}` };
}

/** Queues one notification (inside the caller's transaction when given). */
export async function enqueueNotification(
  db: Prisma.TransactionClient,
  input: { channelId: string; incidentId: bigint | null; payload: AlertPayload; dueAt?: Date },
): Promise<bigint> {
  const row = await db.alertNotification.create({
    data: {
      channelId: input.channelId,
      incidentId: input.incidentId,
      event: input.payload.event,
      payload: input.payload as unknown as Prisma.InputJsonValue,
      nextAttemptAt: input.dueAt ?? new Date(),
    },
    select: { id: true },
  });
  return row.id;
}

export interface DeliveryOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** One POST to the channel; never throws. */
export async function postToChannel(
  channel: { kind: string; url: string; secretSealed: string | null },
  notificationId: bigint,
  payload: AlertPayload,
): Promise<DeliveryOutcome> {
  const body = JSON.stringify(channel.kind === "slack" ? slackBody(payload) : payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Switchyard-Alerts/1",
    "x-switchyard-event": payload.event,
    "x-switchyard-delivery": String(notificationId),
  };
  try {
    if (channel.secretSealed) headers[SIGNATURE_HEADER] = signBody(openSecret(channel.secretSealed), body, Math.floor(Date.now() / 1000));
    const response = await fetch(channel.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { ok: false, status: null, error: `${error instanceof Error ? error.message : String(error)}${cause}`.slice(0, 500) };
  }
}

interface ClaimedNotification {
  id: bigint;
  channelId: string;
  payload: AlertPayload;
  attempts: number;
}

/**
 * Delivers due notifications (any instance; rows are claimed with FOR UPDATE SKIP LOCKED and a
 * short claim lease). A notification waits while an earlier one of the same incident is pending,
 * so "resolved" never overtakes "fired". Returns how many were delivered and failed this round.
 */
export async function deliverDueNotifications(now = new Date(), limit = 50): Promise<{ delivered: number; retried: number; failed: number }> {
  const claimed = await prisma.$queryRaw<ClaimedNotification[]>`
    UPDATE "AlertNotification" n SET "nextAttemptAt" = ${now}::timestamptz + interval '2 minutes'
    WHERE n."id" IN (
      SELECT c."id" FROM "AlertNotification" c
      WHERE c."status" = 'pending' AND c."nextAttemptAt" <= ${now}
        AND NOT EXISTS (SELECT 1 FROM "AlertNotification" e WHERE e."incidentId" = c."incidentId" AND e."id" < c."id" AND e."status" = 'pending')
      ORDER BY c."id" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING n."id", n."channelId", n."payload", n."attempts"`;
  const outcome = { delivered: 0, retried: 0, failed: 0 };
  for (const notification of claimed) {
    const channel = await prisma.alertChannel.findUnique({ where: { id: notification.channelId } });
    const result = channel
      ? await postToChannel(channel, notification.id, notification.payload)
      : { ok: false, status: null, error: "The channel was deleted." };
    const attempts = notification.attempts + 1;
    if (result.ok) {
      outcome.delivered++;
      await prisma.alertNotification.update({ where: { id: notification.id }, data: { status: "delivered", attempts, deliveredAt: new Date(), lastError: null } });
    } else if (!channel || attempts >= MAX_ATTEMPTS) {
      outcome.failed++;
      await prisma.alertNotification.update({ where: { id: notification.id }, data: { status: "failed", attempts, lastError: result.error } });
    } else {
      outcome.retried++;
      const nextAttemptAt = new Date(now.getTime() + retryDelayMs(attempts));
      await prisma.alertNotification.update({ where: { id: notification.id }, data: { attempts, nextAttemptAt, lastError: result.error } });
    }
  }
  return outcome;
}
