"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";

/**
 * A view's state kept in the URL's query (bookmarkable, shareable). `setParams` sets the keys
 * given (an empty or undefined value removes one) and drops the keys in `drop`.
 *
 * Each change starts from the live URL and is written with `history.replaceState`, which updates
 * it at once (Next's router picks it up for `useSearchParams`). `router.replace` updates the URL
 * only after a transition: a second change made before that (pick a pool, then at once a window;
 * a debounced search landing after a filter) started from the old query and undid the first.
 */
export function useUrlParams() {
  const searchParams = useSearchParams();
  const params: Record<string, string> = useMemo(() => Object.fromEntries(searchParams), [searchParams]);
  const setParams = useCallback((patch: Record<string, string | undefined>, drop: readonly string[] = []) => {
    const next = new URLSearchParams(window.location.search);
    for (const key of drop) next.delete(key);
    for (const [key, value] of Object.entries(patch)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const query = next.toString();
    // `null`: Next copies its own history state in; a state carrying its marker would skip the sync.
    window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
  }, []);
  return { params, setParams };
}
