"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { clsx } from "clsx";
import type { ReactNode } from "react";
import { ThemeToggle } from "@/components/theme-toggle";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import type { Role } from "@/lib/auth/roles";

const LINKS: Array<{ href: string; label: string; role: Role }> = [
  { href: "/", label: "Overview", role: "viewer" },
  { href: "/nodes", label: "Nodes", role: "viewer" },
  { href: "/pools", label: "Pools", role: "viewer" },
  { href: "/targets", label: "Targets", role: "viewer" },
  { href: "/audit", label: "Audit log", role: "viewer" },
  { href: "/settings/users", label: "Users", role: "admin" },
  { href: "/settings/api-keys", label: "API keys", role: "admin" },
];

const BARE_PAGES = ["/login", "/setup"];

export function AppNav({ signOut }: { signOut: ReactNode }) {
  const pathname = usePathname();
  const { user, can } = useCurrentUser();
  if (BARE_PAGES.includes(pathname)) return null;
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <nav aria-label="Main" className="mx-auto flex h-12 max-w-[1400px] items-center gap-6 px-4">
        <Link href="/" className="font-semibold tracking-tight">
          Switchyard
        </Link>
        <ul className="flex gap-1 text-sm">
          {LINKS.filter((link) => can(link.role)).map((link) => {
            const active = pathname === link.href || (link.href !== "/" && pathname.startsWith(`${link.href}/`));
            return (
              <li key={link.href}>
                <Link
                  href={link.href}
                  aria-current={active ? "page" : undefined}
                  className={clsx(
                    "rounded px-2 py-1",
                    active ? "bg-zinc-100 font-medium dark:bg-zinc-800" : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100",
                  )}
                >
                  {link.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="ml-auto flex items-center gap-2 text-sm">
          {user && (
            <Link href="/settings" className="text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100" data-testid="current-user">
              {user.email} <span className="text-xs">({user.role})</span>
            </Link>
          )}
          <ThemeToggle />
          {user && signOut}
        </div>
      </nav>
    </header>
  );
}
