import { describe, expect, it } from "vitest";
import { asRole } from "@/lib/auth/testing";
import { GET } from "./route";

const context = { params: Promise.resolve({}) };
const get = (query: string) => asRole("viewer", () => GET(new Request(`http://127.0.0.1/api/ui/stats?${query}`), context));

describe("GET /api/ui/stats", () => {
  it("answers a bad window or range with 400, the field and the reason — never 500", async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const cases: Array<[string, string, RegExp]> = [
      ["window=2h", "window", /Invalid option/i],
      ["poolId=not-a-uuid", "poolId", /must be a pool id/],
      [`from=${minutesAgo(30)}`, "to", /both from and to/],
      [`from=yesterday&to=${minutesAgo(1)}`, "from", /ISO 8601/],
      [`from=${minutesAgo(10)}&to=${minutesAgo(30)}`, "to", /at least a minute after from/],
      [`from=${minutesAgo(8 * 24 * 60)}&to=${minutesAgo(1)}`, "to", /longer than 7 days/],
      [`from=${minutesAgo(8 * 24 * 60)}&to=${minutesAgo(7 * 24 * 60 + 30)}`, "from", /more than 7 days ago/],
      [`from=${minutesAgo(5)}&to=${minutesAgo(-60)}`, "to", /in the future/],
    ];
    for (const [query, field, reason] of cases) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      const body = await response.json();
      expect(body.error.code, query).toBe("bad_request");
      expect(body.error.details.fields[field], query).toMatch(reason);
      expect(body.error.message, query).toContain(`${field}: `);
    }
  });

  it("answers a valid range with the range's figures", async () => {
    const from = new Date(Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000).toISOString();
    const to = new Date(Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000).toISOString();
    const response = await get(`from=${from}&to=${to}`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.overview).toMatchObject({ from, to });
    expect(new Date(body.series.points.at(-1).t).getTime()).toBeLessThan(Date.parse(to));
  });
});
