"use client";

import { clsx } from "clsx";
import { useHydrated } from "@/components/use-hydrated";

/** The 15 min / 1 h / 24 h / 7 d radio group of the overview and the results view. */
export function WindowPicker({ windows, value, onChange }: { windows: Array<{ name: string; label: string }>; value: string | undefined; onChange: (name: string) => void }) {
  const hydrated = useHydrated(); // a click before hydration would be lost (components/ui/field.tsx)
  return (
    <div role="radiogroup" aria-label="Window" className="inline-flex rounded-md border border-zinc-300 dark:border-zinc-700">
      {windows.map((w) => (
        <button
          key={w.name}
          type="button"
          role="radio"
          aria-checked={value === w.name}
          disabled={!hydrated}
          onClick={() => onChange(w.name)}
          className={clsx(
            "px-3 py-1.5 text-sm first:rounded-l-md last:rounded-r-md",
            value === w.name ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "hover:bg-zinc-100 dark:hover:bg-zinc-800",
          )}
        >
          {w.label}
        </button>
      ))}
    </div>
  );
}
