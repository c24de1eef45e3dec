"use client";

import { useState, type FormEvent } from "react";
import { useHydrated } from "@/components/use-hydrated";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/field";

/** datetime-local value (the browser's local time) ↔ ISO instant. */
export function toLocalInput(iso?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * A custom time range typed in: From and To applied together (a half-set range is never sent).
 * `check` says what is wrong with a range before it is applied (the server checks it again).
 */
export function TimeRangeForm({
  from,
  to,
  onApply,
  check,
  idPrefix,
}: {
  from?: string;
  to?: string;
  onApply: (from: string, to: string) => void;
  check: (from: string, to: string) => string | null;
  idPrefix: string;
}) {
  const [draft, setDraft] = useState<{ from: string; to: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Local times only once hydrated: a server render does not know the viewer's time zone.
  const hydrated = useHydrated();
  const value = draft ?? (hydrated ? { from: toLocalInput(from), to: toLocalInput(to) } : { from: "", to: "" });

  function submit(event: FormEvent) {
    event.preventDefault();
    const [start, end] = [fromLocalInput(value.from), fromLocalInput(value.to)];
    const problem = !start || !end ? "Give both From and To." : check(start, end);
    setError(problem);
    if (problem || !start || !end) return;
    setDraft(null);
    onApply(start, end);
  }

  return (
    <form onSubmit={submit} aria-label="Custom time range" className="flex flex-wrap items-end gap-2">
      {(["from", "to"] as const).map((key) => (
        <div key={key}>
          <label htmlFor={`${idPrefix}-${key}`} className="block text-xs text-zinc-500">
            {key === "from" ? "From" : "To"}
          </label>
          <Input
            id={`${idPrefix}-${key}`}
            type="datetime-local"
            className="w-52"
            value={value[key]}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setDraft({ ...value, [key]: e.target.value })}
          />
        </div>
      ))}
      <Button type="submit">Apply range</Button>
      {error && (
        <p role="alert" className="w-full text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
