"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { firstError } from "@/lib/http/field-errors";
import { signOut } from "./actions";

/**
 * "Sign out": ends the session on the server, then loads /login as a full page, which drops every
 * query and component of the ended session (a soft redirect from the layout's form could leave the
 * old page on screen).
 */
export function SignOutButton() {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();
  return (
    <>
    <Button
      variant="ghost"
      size="sm"
      className="text-zinc-600 dark:text-zinc-400"
      disabled={pending}
      onClick={() =>
        startTransition(async () => {
          const result = await signOut();
          // Not signed out (the database is away): say so instead of pretending.
          if (!result.ok) return setError(firstError(result));
          // eslint-disable-next-line @next/next/no-location-assign-relative-destination
          window.location.assign("/login");
        })
      }
    >
      Sign out
    </Button>
    {error ? <span role="alert" className="text-xs text-red-700 dark:text-red-400">{error}</span> : null}
    </>
  );
}
