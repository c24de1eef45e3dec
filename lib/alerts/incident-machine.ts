/**
 * One rule's incident lifecycle, decided from the current measurement. A breach with no open
 * incident opens one (one "fired" notification). While firing, a clear measurement starts the
 * hold-down clock (clearSince); a breach during the hold-down stops it, so a flapping condition
 * stays one incident instead of a storm of fire/resolve pairs. Clear for the whole hold-down:
 * resolve (one "resolved" notification).
 */
export interface OpenIncident {
  clearSince: Date | null;
}

export type IncidentStep =
  | { action: "none" }
  | { action: "open" }
  | { action: "keep"; clearSince: Date | null }
  | { action: "resolve" };

export function nextIncidentStep(open: OpenIncident | null, breached: boolean, now: Date, holdDownMinutes: number): IncidentStep {
  if (!open) return breached ? { action: "open" } : { action: "none" };
  if (breached) return { action: "keep", clearSince: null };
  const clearSince = open.clearSince ?? now;
  if (now.getTime() - clearSince.getTime() >= holdDownMinutes * 60_000) return { action: "resolve" };
  return { action: "keep", clearSince };
}
