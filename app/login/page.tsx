import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getCurrentActor } from "@/lib/auth/actor";
import { safeRedirectPath } from "@/lib/auth/redirect-target";
import { hasAnyUser } from "@/lib/auth/users";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next: rawNext } = await searchParams;
  const next = safeRedirectPath(Array.isArray(rawNext) ? rawNext[0] : rawNext);
  if (await getCurrentActor()) redirect(next);
  if (!(await hasAnyUser())) redirect("/setup");
  return (
    <div className="mx-auto mt-12 max-w-sm space-y-6">
      <h1 className="text-xl font-semibold">Sign in to Switchyard</h1>
      <LoginForm next={next} />
    </div>
  );
}
