import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";
import { proxy } from "@/proxy";
import { safeRedirectPath } from "@/lib/auth/redirect-target";
import { sweepAuthTables } from "@/lib/auth/maintenance";
import { hashToken, validateSessionToken } from "@/lib/auth/session";
import { createTestSession, createTestUser } from "@/lib/auth/testing";

function visit(path: string, cookie?: string) {
  return proxy(new NextRequest(`http://127.0.0.1:3000${path}`, { headers: cookie ? { cookie } : {} }));
}

describe("proxy.ts gate", () => {
  it("sends cookie-less page requests to /login with the way back", () => {
    const response = visit("/nodes?tag=eu");
    expect(response.status).toBe(307);
    // (Next serves same-origin redirects as relative Locations; compare path and query.)
    const target = new URL(response.headers.get("location")!);
    expect(target.pathname + target.search).toBe("/login?next=%2Fnodes%3Ftag%3Deu");
    expect(new URL(visit("/").headers.get("location")!).pathname).toBe("/login");
    expect(new URL(visit("/").headers.get("location")!).search).toBe("");
    // A shared overview link (pool and window in its query) survives the sign-in.
    const shared = new URL(visit("/?window=24h&poolId=p1").headers.get("location")!);
    expect(shared.pathname + shared.search).toBe("/login?next=%2F%3Fwindow%3D24h%26poolId%3Dp1");
  });

  it("lets /login, /setup, /api/* and requests with a session cookie through", () => {
    for (const path of ["/login", "/login?next=/x", "/setup", "/api/health", "/api/v1/nodes", "/api/auth/login"]) {
      expect(visit(path).headers.get("x-middleware-next"), path).toBe("1");
    }
    expect(visit("/nodes", "switchyard_session=abc").headers.get("x-middleware-next")).toBe("1");
    expect(visit("/nodes", "__Host-switchyard_session=abc").headers.get("x-middleware-next")).toBe("1");
    expect(visit("/nodes", "other=abc").status).toBe(307);
  });
});

describe("safeRedirectPath", () => {
  it("keeps same-site paths and refuses everything that could leave the site", () => {
    expect(safeRedirectPath("/nodes?tag=eu")).toBe("/nodes?tag=eu");
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "nodes", "/x\u0000", "/login", "/setup", "", null, 42, "/" + "a".repeat(3000)]) {
      expect(safeRedirectPath(bad)).toBe("/");
    }
  });
});

describe("sweepAuthTables", () => {
  it("removes expired sessions and keeps live ones", async () => {
    const user = await createTestUser("viewer");
    const live = await createTestSession(user.id);
    const dead = await createTestSession(user.id);
    await prisma.session.update({ where: { tokenHash: hashToken(dead) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const swept = await sweepAuthTables();
    expect(swept.sessions).toBeGreaterThanOrEqual(1);
    expect(await prisma.session.count({ where: { tokenHash: hashToken(dead) } })).toBe(0);
    expect(await validateSessionToken(live)).not.toBeNull();
  });
});
