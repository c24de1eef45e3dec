import { describe, expect, it } from "vitest";
import { openSecret, sealSecret } from "./secret-box";

describe("secret box", () => {
  it("round-trips and never contains the clear text", () => {
    const sealed = sealSecret("hunter2-päss");
    expect(sealed).not.toContain("hunter2");
    expect(openSecret(sealed)).toBe("hunter2-päss");
  });
  it("uses a fresh IV each time", () => {
    expect(sealSecret("same")).not.toBe(sealSecret("same"));
  });
  it("rejects tampered values", () => {
    const parts = sealSecret("secret").split(".");
    parts[3] = Buffer.from("xxxxxx").toString("base64url");
    expect(() => openSecret(parts.join("."))).toThrow();
  });
});
