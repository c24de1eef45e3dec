"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { useEffect, useState, type ReactNode } from "react";
import { ThemeToggle } from "@/components/theme-toggle";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import type { Role } from "@/lib/auth/roles";

const LINKS: Array<{ href: string; label: string; role: Role }> = [
  { href: "/", label: "Overview", role: "viewer" },
  { href: "/results", label: "Results", role: "viewer" },
  { href: "/nodes", label: "Nodes", role: "viewer" },
  { href: "/pools", label: "Pools", role: "viewer" },
  { href: "/targets", label: "Targets", role: "viewer" },
  { href: "/audit", label: "Audit log", role: "viewer" },
  { href: "/settings/users", label: "Users", role: "admin" },
  { href: "/settings/api-keys", label: "API keys", role: "admin" },
];

const BARE_PAGES = ["/login", "/setup"];

/**
 * The top bar. On /login and /setup nobody is signed in: the bar is hidden and everything cached
 * for the previous session is dropped, so the first page after signing in asks /api/auth/me afresh
 * (a cached "signed out" answer used to leave the bar empty until a reload).
 */
export function AppNav({ signOut }: { signOut: ReactNode }) {
  const pathname = usePathname();
  if (BARE_PAGES.includes(pathname)) return <ForgetSession />;
  return <SignedInNav pathname={pathname} signOut={signOut} />;
}

function ForgetSession() {
  const queryClient = useQueryClient();
  useEffect(() => queryClient.clear(), [queryClient]);
  return null;
}

/** The page links: the desktop bar and the small-screen menu show the same list. */
function PageLinks({ links, pathname, ...list }: { links: typeof LINKS; pathname: string; className: string; "aria-label"?: string; "data-testid"?: string }) {
  const isActive = (href: string) => pathname === href || (href !== "/" && pathname.startsWith(`${href}/`));
  return (
    <ul {...list}>
      {links.map((link) => {
        const active = isActive(link.href);
        return (
          <li key={link.href}>
            <Link
              href={link.href}
              aria-current={active ? "page" : undefined}
              className={clsx("block rounded px-2 py-1", active ? "bg-zinc-100 font-medium dark:bg-zinc-800" : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100")}
            >
              {link.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function SignedInNav({ pathname, signOut }: { pathname: string; signOut: ReactNode }) {
  const { user, can } = useCurrentUser();
  const [menuOpen, setMenuOpen] = useState(false);
  // A navigation closes the small-screen menu.
  const [menuPath, setMenuPath] = useState(pathname);
  if (menuPath !== pathname) {
    setMenuPath(pathname);
    setMenuOpen(false);
  }
  const links = LINKS.filter((link) => can(link.role));
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <nav aria-label="Main" className="mx-auto flex h-12 max-w-[1400px] items-center gap-4 px-4">
        <Link href="/" className="font-semibold tracking-tight">
          Switchyard
        </Link>
        <PageLinks links={links} pathname={pathname} className="hidden gap-1 text-sm lg:flex" data-testid="nav-links" />
        <div className="ml-auto flex items-center gap-2 text-sm">
          {user && (
            <Link
              href="/settings"
              className="hidden max-w-56 truncate text-zinc-600 hover:text-zinc-900 sm:inline dark:text-zinc-400 dark:hover:text-zinc-100"
              data-testid="current-user"
              title={`${user.email} (${user.role})`}
            >
              {user.email} <span className="text-xs">({user.role})</span>
            </Link>
          )}
          <ThemeToggle />
          <span className="hidden lg:inline">{user && signOut}</span>
          <button
            type="button"
            className="rounded px-2 py-1 hover:bg-zinc-100 lg:hidden dark:hover:bg-zinc-800"
            aria-expanded={menuOpen}
            aria-controls="nav-menu"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
        </div>
      </nav>
      {menuOpen && (
        <div id="nav-menu" className="border-t border-zinc-200 px-4 py-2 lg:hidden dark:border-zinc-800">
          <PageLinks links={links} pathname={pathname} className="grid grid-cols-2 gap-1 text-sm" aria-label="Pages" />
          {user && (
            <div className="mt-2 flex items-center justify-between gap-2 border-t border-zinc-100 pt-2 text-sm dark:border-zinc-800">
              <Link href="/settings" className="truncate text-zinc-600 dark:text-zinc-400">
                {user.email} ({user.role})
              </Link>
              {signOut}
            </div>
          )}
        </div>
      )}
    </header>
  );
}
