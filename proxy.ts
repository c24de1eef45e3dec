import { NextResponse, type NextRequest } from "next/server";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "@/lib/auth/cookie-names";

// Pages anyone may open. /login sends visitors on to /setup while no account exists.
const PUBLIC_PAGES = ["/login", "/setup"];

/**
 * Cheap gate for browser pages: no session cookie → redirect to /login?next=…. It only checks that
 * a cookie is present; requireActor() validates the session against the database on every page,
 * action and route. /api/* is left to the route handlers (JSON 401 for /api/v1/*, /api/health open).
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (pathname === "/api" || pathname.startsWith("/api/")) return NextResponse.next();
  if (PUBLIC_PAGES.some((page) => pathname === page || pathname.startsWith(`${page}/`))) return NextResponse.next();
  if (request.cookies.has(SESSION_COOKIE) || request.cookies.has(SECURE_SESSION_COOKIE)) return NextResponse.next();

  const login = request.nextUrl.clone();
  login.pathname = "/login";
  login.search = "";
  // The way back, unless it is the bare overview: a shared overview link keeps its pool and window.
  if (pathname !== "/" || search) login.searchParams.set("next", `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // Everything except Next's static assets and files with an extension (icons, fonts, robots.txt).
  matcher: ["/((?!_next/static|_next/image|favicon\\.ico|.*\\.[a-zA-Z0-9]{2,5}$).*)"],
};
