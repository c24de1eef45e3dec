import type { AuditEventRow } from "@/lib/audit/data";

function describeChange(event: AuditEventRow): string {
  const before = event.before as Record<string, unknown> | null;
  const after = event.after as Record<string, unknown> | null;
  if (before && after && "state" in before && "state" in after) return `${String(before.state).toLowerCase()} → ${String(after.state).toLowerCase()}`;
  if (after && "added" in after) return `${after.added} added, ${after.duplicate} duplicate, ${after.invalid} invalid`;
  if (after && "address" in after) return String(after.address);
  if (before && "address" in before) return String(before.address);
  if (after && "name" in after) return String(after.name);
  if (before && "name" in before) return String(before.name);
  return "";
}

/** The audit timeline: who did what, to which subject, why and when. */
export function AuditEventList({ events, showSubject = true }: { events: AuditEventRow[]; showSubject?: boolean }) {
  if (events.length === 0) return <p className="text-sm text-zinc-500">No events yet.</p>;
  return (
    <ol className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800" aria-label="Audit events">
      {events.map((event) => (
        <li key={event.id} className="grid grid-cols-[11rem_10rem_1fr] gap-3 py-2" data-action={event.action}>
          <time dateTime={event.at} className="text-zinc-500">
            {new Date(event.at).toLocaleString()}
          </time>
          <span className="font-medium">{event.action}</span>
          <span>
            <span className="text-zinc-600 dark:text-zinc-400">by {event.actor}</span>
            {showSubject && <span className="ml-2 font-mono text-xs text-zinc-500">{event.subjectType}:{event.subjectId.slice(0, 8)}</span>}
            {describeChange(event) && <span className="ml-2">{describeChange(event)}</span>}
            {event.reason && <span className="ml-2 italic">“{event.reason}”</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}
