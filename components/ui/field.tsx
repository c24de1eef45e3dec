"use client";

import { clsx } from "clsx";
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import { useHydrated } from "@/components/use-hydrated";

const CONTROL =
  "w-full rounded-md border border-zinc-300 bg-white px-2.5 text-sm shadow-xs outline-none focus:border-blue-500 focus:ring-2 focus:ring-blue-500/20 aria-invalid:border-red-500 dark:border-zinc-700 dark:bg-zinc-900";

// Controls in server-rendered HTML stay disabled until the page has hydrated: a value typed or
// picked before that never reaches React (the URL filter or the form would silently ignore it).

export function Input({ className, disabled, ...props }: InputHTMLAttributes<HTMLInputElement>) {
  const hydrated = useHydrated();
  return <input className={clsx(CONTROL, "h-9", className)} disabled={disabled || !hydrated} {...props} />;
}

export function Textarea({ className, disabled, ...props }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const hydrated = useHydrated();
  return <textarea className={clsx(CONTROL, "py-2 font-mono", className)} disabled={disabled || !hydrated} {...props} />;
}

export function Select({ className, disabled, ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  const hydrated = useHydrated();
  return <select className={clsx(CONTROL, "h-9 pr-7", className)} disabled={disabled || !hydrated} {...props} />;
}

/** A labelled form control with its error message, wired for screen readers. */
export function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && !error && <p className="text-xs text-zinc-500">{hint}</p>}
      {error && (
        <p id={`${id}-error`} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      {message}
    </p>
  );
}
