import { Button } from "@/components/ui/button";
import { signOut } from "./actions";

/** A "Sign out" button (a form posting the signOut server action); usable in client components. */
export function SignOutButton() {
  return (
    <form action={signOut}>
      <Button type="submit" variant="ghost" size="sm" className="text-zinc-600 dark:text-zinc-400">
        Sign out
      </Button>
    </form>
  );
}
