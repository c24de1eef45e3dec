"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/** False on the server and during hydration, true after: for output that depends on the viewer's zone or locale. */
export function useHydrated(): boolean {
  return useSyncExternalStore(subscribe, () => true, () => false);
}

/**
 * A time in the viewer's own zone and locale. Rendered empty on the server and during hydration
 * (the server's zone is not the viewer's: the text would not match), filled in right after.
 */
export function LocalTime({ at, style = "time" }: { at: string | number; style?: "time" | "datetime" }) {
  const hydrated = useHydrated();
  const date = new Date(at);
  return <time dateTime={date.toISOString()}>{hydrated ? (style === "time" ? date.toLocaleTimeString() : date.toLocaleString()) : ""}</time>;
}
