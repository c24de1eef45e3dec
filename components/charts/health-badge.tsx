import { clsx } from "clsx";

const STYLES: Record<string, string> = {
  healthy: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  probation: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  ejected: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

/** The automation's view of a node (lib/health): healthy, ejected (with next re-test), probation; pinned = automation off. */
export function HealthBadge({ health }: { health: { state: string; pinned: boolean; reason: string | null; nextCheckAt: string | null } | null }) {
  if (!health) return <span className="text-xs text-zinc-400">—</span>;
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
