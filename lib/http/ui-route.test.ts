import { describe, expect, it } from "vitest";
import { anonymously, asRole } from "@/lib/auth/testing";
import { GET as statsRoute } from "@/app/api/ui/stats/route";
import { GET as nodeTableRoute } from "@/app/api/ui/stats/node-table/route";

const noParams = { params: Promise.resolve({}) };
const get = (route: typeof statsRoute, query: string) => route(new Request(`http://127.0.0.1/api/ui/x?${query}`), noParams);

describe("uiRoute", () => {
  it("answers a bad query with 400 naming the field and the reason, never 500", async () => {
    const bad = await asRole("viewer", () => get(statsRoute, "window=2y"));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string; details: { fields: Record<string, string> } } };
    expect(body.error).toMatchObject({ code: "bad_request", message: expect.stringMatching(/^window: /), details: { fields: { window: expect.stringMatching(/expected one of/i) } } });

    const badSort = await asRole("viewer", () => get(nodeTableRoute, "sort=nonsense"));
    expect(badSort.status).toBe(400);
    expect(((await badSort.json()) as { error: { details: { fields: Record<string, string> } } }).error.details.fields).toHaveProperty("sort");

    expect((await asRole("viewer", () => get(statsRoute, "window=1h"))).status).toBe(200);
  });

  it("answers without a session with 401 from the same error table", async () => {
    const answer = await anonymously(() => get(statsRoute, "window=1h"));
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });
});
