"use client";

import { useTransition } from "react";
import { Button } from "@/components/ui/button";
import { signOut } from "./actions";

/**
 * "Sign out": ends the session on the server, then loads /login as a full page, which drops every
 * query and component of the ended session (a soft redirect from the layout's form could leave the
 * old page on screen).
 */
export function SignOutButton() {
  const [pending, startTransition] = useTransition();
  return (
    <Button
      variant="ghost"
      size="sm"
      className="text-zinc-600 dark:text-zinc-400"
      disabled={pending}
      onClick={() =>
        startTransition(async () => {
          await signOut();
          // eslint-disable-next-line @next/next/no-location-assign-relative-destination
          window.location.assign("/login");
        })
      }
    >
      Sign out
    </Button>
  );
}
