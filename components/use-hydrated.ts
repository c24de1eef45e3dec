"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False on the server and while a part of the page hydrates, true after (and in every later render).
 * For output the server cannot know (the viewer's zone) or that may already differ when a streamed
 * part hydrates (a query the shell started has answered): render it as the server did first.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
