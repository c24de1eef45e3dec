import { describe, expect, it } from "vitest";
import { parseProxyLine } from "./proxy-address";

describe("parseProxyLine", () => {
  it.each([
    ["10.0.0.1:8080", { scheme: "http", host: "10.0.0.1", port: 8080, username: "", password: "" }],
    ["proxy.Example.com:3128:alice:s3cret", { scheme: "http", host: "proxy.example.com", port: 3128, username: "alice", password: "s3cret" }],
    ["alice:s3cr:et@proxy.example.com:3128", { scheme: "http", host: "proxy.example.com", port: 3128, username: "alice", password: "s3cr:et" }],
    ["http://alice:s3cr%3Aet@proxy.example.com:3128", { scheme: "http", host: "proxy.example.com", port: 3128, username: "alice", password: "s3cr:et" }],
    ["bob:pw@10.0.0.2:1080", { scheme: "http", host: "10.0.0.2", port: 1080, username: "bob", password: "pw" }],
    ["socks5://carol:p%40ss@10.0.0.3:1080", { scheme: "socks5", host: "10.0.0.3", port: 1080, username: "carol", password: "p@ss" }],
    ["HTTPS://10.0.0.4:443/", { scheme: "https", host: "10.0.0.4", port: 443, username: "", password: "" }],
    ["socks://10.0.0.5:9050", { scheme: "socks5", host: "10.0.0.5", port: 9050, username: "", password: "" }],
    ["[::1]:8080", { scheme: "http", host: "::1", port: 8080, username: "", password: "" }],
    ["[2001:db8::1]:8080:u:p", { scheme: "http", host: "2001:db8::1", port: 8080, username: "u", password: "p" }],
    ["  10.0.0.6:80  ", { scheme: "http", host: "10.0.0.6", port: 80, username: "", password: "" }],
  ])("accepts %s", (line, expected) => {
    const result = parseProxyLine(line);
    expect(result).toEqual({ ok: true, address: expected });
  });

  it.each([
    ["10.0.0.1:0", "port", /out of range/],
    ["10.0.0.1:70000", "port", /out of range/],
    ["10.0.0.1:http", "port", /not a number/],
    ["10.0.0.1", "port", /missing/],
    [":8080", "host", /empty/],
    ["ftp://10.0.0.1:21", "scheme", /Unknown scheme "ftp"/],
    ["10.0.0.1:80:user", "line", /three fields/],
    ["10.0.0.1:80:user:pass:extra", "line", /More than four fields.*URL form/],
    ["[2001:db8::1]:80:user:pa:ss", "line", /More than four fields.*URL form/],
    ["[2001:db8::1]:80:user", "line", /three fields/],
    ["bad_host!:80", "host", /not a valid host/],
    ["999.1.1.1:80", "host", /not a valid IPv4/],
    ["10.0.0.1:80\u0007", "line", /control characters/],
    ["http://10.0.0.1:80/path", "line", /no path/],
    [":pw@10.0.0.1:80", "username", /empty user name/],
    ["x".repeat(2000), "line", /longer than/],
  ])("rejects %j with a %s error", (line, field, message) => {
    const result = parseProxyLine(line);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.field).toBe(field);
      expect(result.problem.message).toMatch(message);
    }
  });

  it("uses the default scheme for bare lines", () => {
    const result = parseProxyLine("10.0.0.1:1080", "socks5");
    expect(result.ok && result.address.scheme).toBe("socks5");
  });
});
