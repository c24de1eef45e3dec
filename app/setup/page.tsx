import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { hasAnyUser } from "@/lib/auth/users";
import { SetupForm } from "./setup-form";

export const metadata: Metadata = { title: "First-run setup" };

/** Only while no account exists: creates the first admin. Afterwards it sends everyone to /login. */
export default async function SetupPage() {
  await connection();
  if (await hasAnyUser()) redirect("/login");
  return (
    <div className="mx-auto mt-12 max-w-sm space-y-6">
      <div className="space-y-2">
        <h1 className="text-xl font-semibold">Welcome to Switchyard</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Create the first admin account. There is no default password; this page closes once an account exists.
          (On a server without a browser: <code>npm run create-admin -- --email you@example.com --password-stdin</code>.)
        </p>
      </div>
      <SetupForm />
    </div>
  );
}
