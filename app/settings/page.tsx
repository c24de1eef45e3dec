import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/page-actor";
import { SignOutButton } from "@/app/login/sign-out-button";
import { ChangePasswordForm } from "./password-form";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const actor = await requirePageActor("viewer", "/settings");
  return (
    <div className="max-w-xl space-y-6">
      <h1 className="text-xl font-semibold">Settings</h1>
      {actor ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Signed in as <span className="font-medium text-zinc-900 dark:text-zinc-100">{actor.label}</span> ({actor.role}).
        </p>
      ) : null}
      <ul className="list-disc space-y-1 pl-5 text-sm">
        <li>
          <Link className="underline" href="/settings/users">Users</Link> — accounts and roles (admin)
        </li>
        <li>
          <Link className="underline" href="/settings/api-keys">API keys</Link> — keys for the REST API (admin)
        </li>
        <li>
          <Link className="underline" href="/settings/alerts">Alerts</Link> — rules per pool, webhook channels, alert history
        </li>
      </ul>
      <section className="space-y-3">
        <h2 className="font-medium">Your password</h2>
        <ChangePasswordForm />
      </section>
      <SignOutButton />
    </div>
  );
}
