import { AsyncLocalStorage } from "node:async_hooks";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "@/lib/auth/session";

const testOverride = new AsyncLocalStorage<{ token: string | null }>();

/**
 * The session token of the current request: the session cookie (the __Host- variant first).
 * Under Vitest (NODE_ENV=test) code run through runWithSessionToken sees that token instead, so
 * tests exercise the real session validation without a Next request scope.
 */
export async function readSessionToken(): Promise<string | null> {
  if (process.env.NODE_ENV === "test") {
    const store = testOverride.getStore();
    if (store) return store.token;
  }
  // Loaded on use, not at import: the gateway and worker import auth code outside any Next request,
  // and next/headers cannot even be loaded before Next has set up its request storage.
  const { cookies } = await import("next/headers");
  const jar = await cookies();
  return jar.get(SECURE_SESSION_COOKIE)?.value ?? jar.get(SESSION_COOKIE)?.value ?? null;
}

/** Test-only (ignored unless NODE_ENV=test): run fn as if the request carried this session cookie. */
export function runWithSessionToken<T>(token: string | null, fn: () => T): T {
  if (process.env.NODE_ENV !== "test") throw new Error("runWithSessionToken is for tests only.");
  return testOverride.run({ token }, fn);
}
