import { clsx } from "clsx";

const BUCKET_STYLE: Record<string, string> = {
  ok: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  "502": "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  "504": "bg-orange-100 text-orange-800 dark:bg-orange-950 dark:text-orange-300",
  other_failure: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
};

/** A fault class, coloured by its breakdown bucket (502-class, 504-class, other, ok). */
export function FaultClassBadge({ faultClass, bucket, title }: { faultClass: string; bucket: string; title?: string }) {
  return (
    <span title={title} data-fault-class={faultClass} className={clsx("inline-flex rounded px-1.5 py-0.5 font-mono text-xs", BUCKET_STYLE[bucket] ?? BUCKET_STYLE.other_failure)}>
      {faultClass}
    </span>
  );
}
