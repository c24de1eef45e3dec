"use client";

import { useHydrated } from "@/components/use-hydrated";

/**
 * A time in the viewer's own zone and locale. Empty in the server's HTML and while hydrating (the
 * server's zone is not the viewer's, the text would not match), filled in right after.
 */
export function LocalTime({ at, style = "time" }: { at: string | number; style?: "time" | "datetime" }) {
  const hydrated = useHydrated();
  const date = new Date(at);
  return <time dateTime={date.toISOString()}>{hydrated ? (style === "time" ? date.toLocaleTimeString() : date.toLocaleString()) : ""}</time>;
}
