import { clsx } from "clsx";

const STYLES = {
  ENABLED: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  DRAINING: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  DISABLED: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
} as const;

export function NodeStateBadge({ state, title }: { state: keyof typeof STYLES; title?: string }) {
  return (
    <span title={title} data-state={state} className={clsx("inline-flex rounded px-1.5 py-0.5 text-xs font-medium", STYLES[state])}>
      {state.toLowerCase()}
    </span>
  );
}
