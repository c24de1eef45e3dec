import type { MonitoringStatus } from "@/lib/probe/worker-status";

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** Says so when the figures are stale because probing is behind its schedule or no worker runs. */
export function MonitoringNotice({ status }: { status: MonitoringStatus | undefined }) {
  if (!status) return null;
  if (status.noWorkerSinceMs !== null)
    return (
      <p role="status" data-testid="monitoring-notice" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
        Monitoring has stopped: no probe worker has reported {status.noWorkerSinceMs > 0 ? `for ${seconds(status.noWorkerSinceMs)}` : "yet"}. Start one with{" "}
        <code>npm start</code> or <code>npm run worker</code>.
      </p>
    );
  if (status.behindMs === null) return null;
  return (
    <p role="status" data-testid="monitoring-notice" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
      Monitoring is {seconds(status.behindMs)} behind: {status.overdueNodes.toLocaleString("en")} node{status.overdueNodes === 1 ? " is" : "s are"} overdue for
      their scheduled test ({status.workers} worker{status.workers === 1 ? "" : "s"}, {status.inFlightChecks.toLocaleString("en")} checks in flight). Add a worker
      or lengthen the pools&apos; intervals.
    </p>
  );
}
