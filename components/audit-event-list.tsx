import Link from "next/link";
import type { AuditEventRow } from "@/lib/audit/data";

function describeChange(event: AuditEventRow): string {
  const before = event.before as Record<string, unknown> | null;
  const after = event.after as Record<string, unknown> | null;
  if (before && after && "state" in before && "state" in after) return `${String(before.state).toLowerCase()} → ${String(after.state).toLowerCase()}`;
  if (before && after && "exitIp" in before && "exitIp" in after) return `exit IP ${String(before.exitIp ?? "?")} → ${String(after.exitIp ?? "?")}`;
  if (after && "added" in after) return `${after.added} added, ${after.duplicate} duplicate, ${after.invalid} invalid`;
  if (after && "address" in after) return String(after.address);
  if (before && "address" in before) return String(before.address);
  if (after && "name" in after) return String(after.name);
  if (before && "name" in before) return String(before.name);
  return "";
}

/** A Diagnose run on the timeline links to its stored evidence. */
function diagnosisId(event: AuditEventRow): string | null {
  const after = event.after as Record<string, unknown> | null;
  return event.action === "node.diagnosed" && typeof after?.diagnosisId === "string" ? after.diagnosisId : null;
}

/** Where a subject is shown (null: no page for it, or it is gone). */
function subjectHref(event: AuditEventRow): string | null {
  if (event.subjectType === "probe_run") return `/results?runId=${event.subjectId}`;
  if (!event.subjectName) return null;
  switch (event.subjectType) {
    case "node":
      return `/nodes/${event.subjectId}`;
    case "pool":
      return `/?poolId=${event.subjectId}`;
    case "user":
      return "/settings/users";
    case "api_key":
      return "/settings/api-keys";
    case "probe_target":
      return "/targets";
    default:
      return null;
  }
}

/** The audit timeline: who did what, to which subject (by name, linked), why and when. */
export function AuditEventList({ events, showSubject = true }: { events: AuditEventRow[]; showSubject?: boolean }) {
  if (events.length === 0) return <p className="py-3 text-sm text-zinc-500">No events yet.</p>;
  return (
    <ol className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800" aria-label="Audit events">
      {events.map((event) => {
        const href = subjectHref(event);
        const subject = event.subjectName ?? (event.subjectType === "probe_run" ? "Test-now run" : `${event.subjectId.slice(0, 8)} (deleted)`);
        return (
          <li key={event.id} className="grid grid-cols-1 gap-x-3 gap-y-0.5 py-2 sm:grid-cols-[11rem_11rem_1fr]" data-action={event.action}>
            <time dateTime={event.at} className="text-xs text-zinc-500 sm:text-sm">
              {new Date(event.at).toLocaleString()}
            </time>
            <span className="font-medium break-all">{event.action}</span>
            <span className="min-w-0 break-words">
              <span className="text-zinc-600 dark:text-zinc-400">by {event.actor}</span>
              {showSubject && (
                <span className="ml-2 text-xs" data-testid="audit-subject">
                  <span className="text-zinc-500">{event.subjectType.replace("_", " ")} </span>
                  {href ? (
                    <Link href={href} className="font-mono text-blue-700 hover:underline dark:text-blue-400">
                      {subject}
                    </Link>
                  ) : (
                    <span className="font-mono">{subject}</span>
                  )}
                </span>
              )}
              {describeChange(event) && <span className="ml-2">{describeChange(event)}</span>}
              {event.reason && <span className="ml-2 italic">“{event.reason}”</span>}
              {diagnosisId(event) && (
                <Link href={`/diagnoses/${diagnosisId(event)}`} className="ml-2 text-blue-700 hover:underline dark:text-blue-400" data-testid="diagnosis-link">
                  view diagnosis
                </Link>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
