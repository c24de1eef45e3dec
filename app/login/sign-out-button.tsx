import { signOut } from "./actions";

/** A "Sign out" button (a form posting the signOut server action); usable in client components. */
export function SignOutButton({ className }: { className?: string }) {
  return (
    <form action={signOut}>
      <button
        type="submit"
        className={className ?? "rounded px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"}
      >
        Sign out
      </button>
    </form>
  );
}
