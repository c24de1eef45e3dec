import { describe, expect, it } from "vitest";
import { hostAllowed, TargetUrlError, validateTargetUrl } from "@/lib/security/target-url";

function reason(input: unknown, allowList?: string[]): string {
  try {
    validateTargetUrl(input, allowList);
    return "accepted";
  } catch (error) {
    expect(error).toBeInstanceOf(TargetUrlError);
    return (error as Error).message;
  }
}

describe("validateTargetUrl", () => {
  it("accepts absolute http and https URLs", () => {
    expect(validateTargetUrl("https://example.com/path?q=1").hostname).toBe("example.com");
    expect(validateTargetUrl("  http://10.0.0.1:8080/  ").port).toBe("8080");
    expect(validateTargetUrl("HTTPS://Example.COM").hostname).toBe("example.com");
    expect(validateTargetUrl("http://[::1]:3000/").hostname).toBe("[::1]");
  });

  it("refuses other schemes with the scheme named", () => {
    expect(reason("file:///etc/passwd")).toMatch(/not file:/);
    expect(reason("javascript:alert(1)")).toMatch(/not javascript:/);
    expect(reason("data:text/html,<b>x</b>")).toMatch(/not data:/);
    expect(reason("ftp://example.com/")).toMatch(/not ftp:/);
    expect(reason("example.com")).toMatch(/must start with http/);
    expect(reason("//example.com")).toMatch(/must start with http/);
    expect(reason("http:example.com")).toMatch(/must start with http/);
  });

  it("refuses credentials, malformed, oversized and control-character input", () => {
    expect(reason("https://user:pass@example.com/")).toMatch(/user name or password/);
    expect(reason("https://user@example.com/")).toMatch(/user name or password/);
    expect(reason("http://exa mple.com/")).toMatch(/spaces or control/);
    expect(reason("http://example.com/\u0000")).toMatch(/spaces or control/);
    expect(reason("http://")).toMatch(/not a valid URL|no host/);
    expect(reason("http://[::1/")).toMatch(/not a valid URL/);
    expect(reason(`https://example.com/${"a".repeat(3000)}`)).toMatch(/too long/);
    expect(reason("")).toMatch(/Enter a URL/);
    expect(reason(42)).toMatch(/Enter a URL/);
  });

  it("applies an operator allow-list of host patterns", () => {
    const list = ["example.com", "*.probe.test"];
    expect(reason("https://example.com/", list)).toBe("accepted");
    expect(reason("https://a.b.probe.test/", list)).toBe("accepted");
    expect(reason("https://probe.test/", list)).toMatch(/not on the allowed target list/);
    expect(reason("https://evil-example.com/", list)).toMatch(/not on the allowed/);
    expect(reason("https://example.com.evil.net/", list)).toMatch(/not on the allowed/);
    expect(reason("https://anything.net/", ["*"])).toBe("accepted");
    expect(hostAllowed("EXAMPLE.com.", ["example.com"])).toBe(true);
  });
});
