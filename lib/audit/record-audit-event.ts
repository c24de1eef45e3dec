import type { Prisma } from "@/generated/prisma/client";

export interface AuditEventInput {
  action: string;
  subjectType: "node" | "pool" | "user" | "api_key" | "settings" | "import" | "probe_run" | "probe_target" | "alert_channel" | "alert_rule";
  subjectId: string;
  nodeId?: string;
  reason?: string | null;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
}

/** Who did it, as the audit log names them (an account, an API key, or the system). */
export interface AuditActor {
  label: string;
}

type AuditWriter = Pick<Prisma.TransactionClient, "auditEvent">;

/** Writes audit events inside the caller's transaction, so the change and its record commit together. */
export async function recordAuditEvents(db: AuditWriter, actor: AuditActor, events: AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await db.auditEvent.createMany({
    data: events.map((event) => ({
      actor: actor.label,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      nodeId: event.nodeId ?? null,
      reason: event.reason ?? null,
      before: event.before,
      after: event.after,
    })),
  });
}
