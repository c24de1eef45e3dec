import { describe, expect, it } from "vitest";
import { formatProxyUser, parseProxyUser, ProxyUserError } from "./proxy-user";

describe("proxy user name grammar", () => {
  it("reads pool, session and tag; dashes inside values need no escape", () => {
    expect(parseProxyUser("pool-scrapers-session-abc123-tag-eu")).toEqual({ pool: "scrapers", session: "abc123", tag: "eu" });
    expect(parseProxyUser("pool-eu-west-2-session-a-1")).toEqual({ pool: "eu-west-2", session: "a-1" });
    expect(parseProxyUser("tag-EU-pool-x")).toEqual({ tag: "eu", pool: "x" });
    expect(parseProxyUser("session-only")).toEqual({ session: "only" });
    expect(parseProxyUser("")).toEqual({});
    expect(parseProxyUser("pool-8f14e45f-ceea-467f-a8a5-3b0f6c1d2e9a")).toEqual({ pool: "8f14e45f-ceea-467f-a8a5-3b0f6c1d2e9a" });
  });

  it("round-trips values that contain the separators through %2D", () => {
    for (const user of [
      { pool: "gw-abc-pool", session: "s-1" },
      { pool: "a-tag-b", tag: "x" },
      { pool: "pool-session", session: "tag-" },
      { pool: "100%", session: "ünï code" },
    ]) {
      const text = formatProxyUser(user);
      expect(parseProxyUser(text), text).toEqual(user);
    }
    expect(formatProxyUser({ pool: "eu-west", session: "abc" })).toBe("pool-eu-west-session-abc");
  });

  it("explains what is wrong", () => {
    expect(() => parseProxyUser("scrapers")).toThrow(ProxyUserError);
    expect(() => parseProxyUser("scrapers")).toThrow(/must start with/);
    expect(() => parseProxyUser("pool-a-pool-b")).toThrow(/"pool" appears twice/);
    expect(() => parseProxyUser("pool-a-session-")).toThrow(/"session" in the proxy user name has no value/);
    expect(() => parseProxyUser("pool-%E0%A4%A")).toThrow(/broken %-escape/);
    expect(() => parseProxyUser(`pool-${"x".repeat(500)}`)).toThrow(/longer than 400/);
    expect(() => parseProxyUser("pool-a%0Ab")).toThrow(/control characters/);
  });
});
