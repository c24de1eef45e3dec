import { clsx } from "clsx";

const STYLES: Record<string, string> = {
  healthy: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  probation: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  ejected: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

/** What "off" means, in the badge's title and the nodes table's legend. */
export const HEALTH_OFF_TEXT = "automatic health is off for every pool of this node: a failing node stays in rotation until an operator disables it";

/**
 * The automation's view of a node (lib/health): healthy, ejected (with next re-test), probation;
 * pinned = automation leaves it alone; "off" = no pool of the node has automatic health on; "—" =
 * on, but no verdict yet.
 */
export function HealthBadge({ health, automated }: { health: { state: string; pinned: boolean; reason: string | null; nextCheckAt: string | null } | null; automated: boolean }) {
  if (!automated) {
    return (
      <span className="rounded border border-dashed border-zinc-300 px-1.5 py-0.5 text-xs text-zinc-500 dark:border-zinc-700" title={`${HEALTH_OFF_TEXT}${health ? ` (last verdict: ${health.state})` : ""}`} data-health="off">
        off
      </span>
    );
  }
  if (!health) {
    return (
      <span className="text-xs text-zinc-400" title="automatic health is on; no verdict yet (no results since it was turned on)" data-health="none">
        —
      </span>
    );
  }
  const title = [health.reason, health.nextCheckAt && `next re-test ${new Date(health.nextCheckAt).toLocaleTimeString()}`, health.pinned && "pinned: automation leaves this node alone"]
    .filter(Boolean)
    .join(" · ");
  return (
    <span className="inline-flex items-center gap-1" title={title || undefined} data-health={health.state}>
      <span className={clsx("rounded px-1.5 py-0.5 text-xs font-medium", STYLES[health.state] ?? STYLES.healthy)}>{health.state}</span>
      {health.pinned && <span className="rounded border border-zinc-300 px-1 text-[10px] text-zinc-600 dark:border-zinc-700 dark:text-zinc-300">pinned</span>}
    </span>
  );
}
