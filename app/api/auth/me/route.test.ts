import { describe, expect, it } from "vitest";
import { anonymously, asRole } from "@/lib/auth/testing";
import { GET } from "./route";

describe("GET /api/auth/me", () => {
  it("returns the signed-in user and role", async () => {
    const body = await asRole("operator", async (user) => {
      const response = await GET();
      expect(response.status).toBe(200);
      return { user, json: await response.json() };
    });
    expect(body.json).toEqual({ user: { id: body.user.id, email: body.user.email, role: "operator" } });
  });

  it("answers JSON 401 without a session", async () => {
    const response = await anonymously(() => GET());
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
  });
});
