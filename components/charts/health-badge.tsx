import { clsx } from "clsx";
import { useHydrated } from "@/components/use-hydrated";

const STYLES: Record<string, string> = {
  healthy: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  probation: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  ejected: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
};

interface BadgeHealth {
  state: string;
  pinned: boolean;
  reason: string | null;
  nextCheckAt: string | null;
}

/**
 * The automation's view of a node (lib/health): healthy, ejected (with next re-test), probation;
 * pinned = automation leaves it alone; "auto off" = automatic health is off in all of its pools.
 * The tooltip says the rule the node is under (its pools' strictest policy).
 */
export function HealthBadge({ health, rule }: { health: BadgeHealth | null; rule?: { automatic: boolean; rule: string } }) {
  // The re-test time in the viewer's zone: only once hydrated (a server render does not know it).
  const hydrated = useHydrated();
  if (!health && rule && !rule.automatic)
    return (
      <span className="rounded border border-zinc-300 px-1.5 py-0.5 text-xs text-zinc-500 dark:border-zinc-700" title={rule.rule} data-health="off">
        auto off
      </span>
    );
  if (!health && !rule) return <span className="text-xs text-zinc-400">—</span>;
  const shown = health ?? { state: "healthy", pinned: false, reason: null, nextCheckAt: null };
  const title = [shown.reason, hydrated && shown.nextCheckAt && `next re-test ${new Date(shown.nextCheckAt).toLocaleTimeString()}`, shown.pinned && "pinned: automation leaves this node alone", rule?.rule]
    .filter(Boolean)
    .join(" · ");
  return (
    <span className="inline-flex items-center gap-1" title={title || undefined} data-health={shown.state}>
      <span className={clsx("rounded px-1.5 py-0.5 text-xs font-medium", STYLES[shown.state] ?? STYLES.healthy)}>{shown.state}</span>
      {shown.pinned && <span className="rounded border border-zinc-300 px-1 text-[10px] text-zinc-600 dark:border-zinc-700 dark:text-zinc-300">pinned</span>}
    </span>
  );
}
