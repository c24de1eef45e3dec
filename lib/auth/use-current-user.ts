"use client";

import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { roleAtLeast, type Role } from "@/lib/auth/roles";

export interface CurrentUser {
  id: string;
  email: string;
  role: Role;
}

/**
 * The signed-in user (GET /api/auth/me), for showing the account and hiding controls a role cannot
 * use. `can("operator")` is false while loading, so controls appear only once allowed. This is
 * presentation only: every server action and route checks the role again.
 */
export function useCurrentUser() {
  const query = useQuery({
    queryKey: ["auth", "me"],
    queryFn: async (): Promise<CurrentUser | null> => {
      const response = await fetch("/api/auth/me", { headers: { accept: "application/json" } });
      if (response.status === 401) return null;
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      return ((await response.json()) as { user: CurrentUser }).user;
    },
    staleTime: 60_000,
  });
  // While a part of the page hydrates, signed out as the server rendered it: the answer the top bar
  // asked for may already be here when a streamed page section hydrates (its HTML has no controls).
  // (components/use-hydrated.ts does the same; lib/ may not import components/.)
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  const user = hydrated ? (query.data ?? null) : null;
  return { user, isLoading: query.isLoading, can: (minimum: Role) => (user ? roleAtLeast(user.role, minimum) : false) };
}

const noSubscription = () => () => {};
