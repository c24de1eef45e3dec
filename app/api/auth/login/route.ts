import { safeRedirectPath } from "@/lib/auth/redirect-target";
import { clientIp, isSecureRequest, sessionCookie } from "@/lib/auth/session";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { rateLimitedResponse } from "@/lib/rate-limit/rate-limit";

/**
 * POST /api/auth/login {"email","password"} → 200 + session cookie, 401, or 429 with Retry-After.
 * For scripts and tests; the login page uses the signIn server action. Only JSON bodies are
 * accepted and a cross-site Origin is refused, so another site cannot sign a browser in (login CSRF).
 */
export async function POST(request: Request): Promise<Response> {
  const origin = request.headers.get("origin");
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (origin && (!host || safeHost(origin) !== host.toLowerCase())) {
    return Response.json({ error: { code: "forbidden", message: "Cross-site sign-in refused." } }, { status: 403 });
  }
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    return Response.json({ error: { code: "unsupported_media_type", message: "Send JSON." } }, { status: 415 });
  }
  const text = await request.text();
  if (text.length > 4096) return Response.json({ error: { code: "payload_too_large", message: "Body too large." } }, { status: 413 });
  let body: { email?: unknown; password?: unknown; next?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return Response.json({ error: { code: "bad_request", message: "The body is not valid JSON." } }, { status: 400 });
  }
  const result = await signInWithPassword({
    email: body?.email,
    password: body?.password,
    ip: clientIp(request.headers),
    userAgent: request.headers.get("user-agent") ?? "",
  });
  if (!result.ok) {
    if (result.error === "rate_limited") return rateLimitedResponse(result.retryAfterSeconds);
    return Response.json({ error: { code: "invalid_credentials", message: "Wrong e-mail address or password." } }, { status: 401 });
  }
  const cookie = sessionCookie(result.session, isSecureRequest(request.headers));
  const parts = [
    `${cookie.name}=${cookie.value}`,
    "Path=/",
    `Expires=${cookie.options.expires.toUTCString()}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(cookie.options.secure ? ["Secure"] : []),
  ];
  return Response.json(
    { user: result.user, next: safeRedirectPath(body?.next) },
    { status: 200, headers: { "set-cookie": parts.join("; "), "cache-control": "no-store" } },
  );
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}
