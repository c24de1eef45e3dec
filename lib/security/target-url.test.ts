import { describe, expect, it } from "vitest";
import { addressPolicyFromSetting, classifyHost, DEFAULT_ADDRESS_POLICY } from "@/lib/security/address-policy";
import { ADDRESS_REFUSED, assertResolvedAddressAllowed, hostAllowed, TargetUrlError, validateTargetUrl, type TargetUrlRules } from "@/lib/security/target-url";

function reason(input: unknown, allowList?: string[], addresses?: TargetUrlRules["addresses"]): string {
  try {
    validateTargetUrl(input, { allowList, addresses });
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

describe("address policy", () => {
  it("classifies IP literals, localhost names and IPv4 carried in IPv6", () => {
    const cases: Array<[string, string | undefined]> = [
      ["8.8.8.8", "public"],
      ["127.0.0.1", "loopback"],
      ["127.9.9.9", "loopback"],
      ["[::1]", "loopback"],
      ["localhost", "loopback"],
      ["app.localhost.", "loopback"],
      ["10.1.2.3", "private"],
      ["172.31.255.255", "private"],
      ["172.32.0.1", "public"],
      ["192.168.0.10", "private"],
      ["100.64.0.1", "private"],
      ["[fd12::1]", "private"],
      ["169.254.169.254", "forbidden"],
      ["100.100.100.200", "forbidden"],
      ["[fd00:ec2::254]", "forbidden"],
      ["[fe80::1]", "forbidden"],
      ["0.0.0.0", "forbidden"],
      ["[::]", "forbidden"],
      ["224.0.0.1", "forbidden"],
      ["255.255.255.255", "forbidden"],
      ["[::ffff:169.254.169.254]", "forbidden"],
      ["[::ffff:a9fe:a9fe]", "forbidden"],
      ["[::ffff:127.0.0.1]", "loopback"],
      ["[64:ff9b::a9fe:a9fe]", "forbidden"],
      ["[2002:a9fe:a9fe::1]", "forbidden"],
      ["[2001:db8::1]", "public"],
      ["example.com", undefined],
    ];
    for (const [host, expected] of cases) expect(classifyHost(host), host).toBe(expected);
  });

  it("reads SWITCHYARD_ALLOW_PRIVATE_TARGETS: unset = loopback only, 1 = loopback and private, 0 = neither", () => {
    expect(addressPolicyFromSetting(undefined)).toEqual(DEFAULT_ADDRESS_POLICY);
    expect(DEFAULT_ADDRESS_POLICY).toEqual({ allowLoopback: true, allowPrivate: false });
    expect(addressPolicyFromSetting("1")).toEqual({ allowLoopback: true, allowPrivate: true });
    expect(addressPolicyFromSetting("0")).toEqual({ allowLoopback: false, allowPrivate: false });
  });

  it("refuses link-local and metadata always, private unless allowed, with one generic message", () => {
    const open = addressPolicyFromSetting("1");
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0:8080/", "http://[::ffff:169.254.169.254]/", "http://2852039166/"]) {
      expect(reason(url, undefined, open), url).toBe(ADDRESS_REFUSED);
      expect(reason(url, undefined, DEFAULT_ADDRESS_POLICY), url).toBe(ADDRESS_REFUSED);
    }
    expect(reason("http://10.0.0.1:8080/", undefined, DEFAULT_ADDRESS_POLICY)).toBe(ADDRESS_REFUSED);
    expect(reason("http://10.0.0.1:8080/", undefined, open)).toBe("accepted");
    expect(reason("http://127.0.0.1:9/", undefined, DEFAULT_ADDRESS_POLICY)).toBe("accepted");
    expect(reason("http://localhost:9/", undefined, addressPolicyFromSetting("0"))).toBe(ADDRESS_REFUSED);
    expect(reason("https://example.com/", undefined, addressPolicyFromSetting("0"))).toBe("accepted");
    // The allow-list and the address classes both apply.
    expect(reason("http://169.254.169.254/", ["*"], open)).toBe(ADDRESS_REFUSED);
  });

  it("checks a resolved address with the same policy", () => {
    expect(() => assertResolvedAddressAllowed("169.254.169.254", { addresses: DEFAULT_ADDRESS_POLICY })).toThrow(ADDRESS_REFUSED);
    expect(() => assertResolvedAddressAllowed("192.168.1.1", { addresses: DEFAULT_ADDRESS_POLICY })).toThrow(ADDRESS_REFUSED);
    expect(() => assertResolvedAddressAllowed("93.184.216.34", { addresses: DEFAULT_ADDRESS_POLICY })).not.toThrow();
  });
});

describe("probe targets typed in the UI", () => {
  it("follow the environment's policy (SWITCHYARD_ALLOW_PRIVATE_TARGETS, SWITCHYARD_TARGET_ALLOWLIST)", async () => {
    const { probeTargetSchema } = await import("@/lib/probe/schema");
    const saved = { private: process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS, allow: process.env.SWITCHYARD_TARGET_ALLOWLIST };
    const message = (url: string) => {
      const parsed = probeTargetSchema.safeParse({ url });
      return parsed.success ? "accepted" : parsed.error.issues[0].message;
    };
    try {
      delete process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS;
      delete process.env.SWITCHYARD_TARGET_ALLOWLIST;
      expect(message("http://169.254.169.254/latest/meta-data/")).toBe(ADDRESS_REFUSED);
      expect(message("http://192.168.1.1/")).toBe(ADDRESS_REFUSED);
      expect(message("http://127.0.0.1:8080/ip")).toBe("accepted");
      process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS = "1";
      expect(message("http://192.168.1.1/")).toBe("accepted");
      expect(message("http://169.254.169.254/")).toBe(ADDRESS_REFUSED);
      process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS = "0";
      expect(message("http://127.0.0.1:8080/ip")).toBe(ADDRESS_REFUSED);
    } finally {
      if (saved.private === undefined) delete process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS;
      else process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS = saved.private;
      if (saved.allow === undefined) delete process.env.SWITCHYARD_TARGET_ALLOWLIST;
      else process.env.SWITCHYARD_TARGET_ALLOWLIST = saved.allow;
    }
  });
});
