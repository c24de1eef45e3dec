/** fetch for React Query: JSON or a thrown Error carrying the API's own message. */
export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  const body = await response.json().catch(() => null);
  if (response.status === 401 && typeof window !== "undefined") {
    // The session ended (expired, signed out elsewhere): back to the login page, then here again.
    // A full navigation on purpose: it drops every cached query of the ended session.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
  if (!response.ok) {
    const message = body?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return body as T;
}
