import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { validateSessionToken } from "@/lib/auth/session";
import { createTestUser } from "@/lib/auth/testing";
import { POST } from "./route";

function login(body: unknown, headers: Record<string, string> = {}) {
  const ip = `192.0.2.${Math.floor(Math.random() * 250)}-${randomUUID()}`;
  return POST(
    new Request("http://127.0.0.1:3000/api/auth/login", {
      method: "POST",
      headers: { host: "127.0.0.1:3000", "content-type": "application/json", "x-forwarded-for": ip, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

describe("POST /api/auth/login", () => {
  it("sets an HttpOnly SameSite=Lax session cookie (no Secure over http)", async () => {
    const user = await createTestUser("viewer");
    const response = await login({ email: user.email, password: user.password });
    expect(response.status).toBe(200);
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^switchyard_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/);
    const token = cookie.split(";")[0].split("=")[1];
    expect((await validateSessionToken(token))?.id).toBe(user.id);
  });

  it("uses the Secure __Host- cookie over https", async () => {
    const user = await createTestUser("viewer");
    const response = await login({ email: user.email, password: user.password }, { "x-forwarded-proto": "https" });
    expect(response.headers.get("set-cookie")).toMatch(/^__Host-switchyard_session=.*; Secure$/);
  });

  it("answers 401 for wrong credentials, 429 with Retry-After once an address is throttled, and lets the right password in from elsewhere", async () => {
    const user = await createTestUser("viewer");
    const attacker = { "x-forwarded-for": "192.0.2.66" };
    const statuses: number[] = [];
    let limited: Response | undefined;
    // Failures from one address are throttled with backoff after a free allowance (lib/rate-limit/login-throttle.ts).
    for (let i = 0; i < 20 && !limited; i++) {
      const response = await login({ email: user.email, password: "wrong password!!" }, attacker);
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    // The account itself is not locked: its owner signs in from another address.
    expect((await login({ email: user.email, password: user.password }, { "x-forwarded-for": "198.51.100.7" })).status).toBe(200);
  });

  it("refuses cross-site origins, non-JSON and oversized or malformed bodies", async () => {
    const user = await createTestUser("viewer");
    expect((await login({ email: user.email, password: user.password }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await login({ email: user.email, password: user.password }, { origin: "http://127.0.0.1:3000" })).status).toBe(200);
    expect((await login("email=x", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect((await login("{not json")).status).toBe(400);
    expect((await login({ email: user.email, password: "x".repeat(5000) })).status).toBe(413);
  });
});
