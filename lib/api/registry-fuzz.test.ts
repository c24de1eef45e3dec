// Fuzz over every registered /api/v1 route (generated from the route registry): hostile params,
// queries, bodies and content types never answer 500, and every error answer is the error table's
// documented shape with a status the route documents. The gateway's node:http fast path and the
// unmatched-path fallback are fuzzed over real HTTP.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { API_ERRORS } from "@/lib/http/api-errors";
import { answerClientError } from "@/lib/http/client-error";
import { seededRandom } from "@/lib/lab/seeded-random";
import { getGateway, stopGateway } from "@/lib/gateway/gateway";
import { registeredRoutes, routeErrorCodes, type RegisteredRoute } from "./registry";
import { unmatchedApiRouteFastPath } from "./unmatched-route";
import { testApiKey } from "./testing/api-client";
import "./routes";

const NASTY = [
  "\u0000", "a\u0000b", "\ud800", "x\udfffy", "\ud83d", "", " ", "x".repeat(5000), "../../etc/passwd", "%00", "%ff", "💥", "<script>alert(1)</script>",
  "' OR 1=1 --", "-1", "0", "1e309", "null", "true", "00000000-0000-4000-8000-000000000000", "not-a-uuid", "\u202e", "\uffff", "http://169.254.169.254/", "10.0.0.1:80:u:p:x",
];

function generator(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const value = (depth = 0): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 4 : 7));
    if (kind === 0) return pick(NASTY);
    if (kind === 1) return pick([-1, 0, 1, 0.5, 1e308, -1e308, 2 ** 53 + 1, 65536, 100000]);
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return pick(NASTY) + pick(NASTY);
    if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(["a", "\u0000", "\ud800", "__proto__", "constructor"]), value(depth + 1)]));
  };
  /** An object with the schema's own keys (so validation goes deep) filled with hostile values. */
  const shaped = (schema: z.ZodType | undefined) => {
    const shape = schema && "shape" in schema ? (schema.shape as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) if (random() < 0.8) out[key] = value();
    if (random() < 0.2) out[pick(["colour", "\u0000", "\ud800"])] = value();
    return out;
  };
  return { random, pick, value, shaped };
}

/** encodeURIComponent, or "x" for text it cannot encode (a lone surrogate has no UTF-8 form). */
const encodeSegment = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80";
  }
};

function expectErrorShape(status: number, text: string, what: string) {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: ${status} answered a non-JSON body: ${text.slice(0, 200)}`);
  }
  const parsed = z
    .object({ error: z.object({ code: z.enum(Object.keys(API_ERRORS) as [keyof typeof API_ERRORS]), message: z.string().min(1), details: z.record(z.string(), z.unknown()).nullable() }).strict() })
    .strict()
    .safeParse(body);
  expect(parsed.success, `${what}: ${status} ${text.slice(0, 300)}`).toBe(true);
  if (parsed.success) expect(API_ERRORS[parsed.data.error.code], `${what}: code vs status`).toBe(status);
}

const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", undefined, "application/merge-patch+json"];

async function fuzzRoute(route: RegisteredRoute, key: string, seed: number, cases: number) {
  const { spec, invoke } = route;
  const g = generator(seed);
  const documented = new Set<number>([spec.status ?? 200, ...routeErrorCodes(spec).map((code) => API_ERRORS[code])]);
  for (let i = 0; i < cases; i++) {
    const params = Object.fromEntries([...spec.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, g.random() < 0.2 ? "00000000-0000-4000-8000-000000000000" : String(g.pick(NASTY))]));
    const query = new URLSearchParams();
    for (const [name, v] of Object.entries(g.shaped(spec.query))) for (const item of Array.isArray(v) ? v : [v]) query.append(name, typeof item === "object" ? JSON.stringify(item) : String(item));
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    let body: string | undefined;
    if (spec.method !== "GET" && spec.method !== "DELETE") {
      const contentType = g.pick(CONTENT_TYPES);
      if (contentType) headers["content-type"] = contentType;
      body = g.pick([
        () => JSON.stringify(g.shaped(spec.body)),
        () => JSON.stringify(g.value()),
        () => g.pick(["{", "", "[]", "null", '"\\u0000"', '{"label":"\\ud800"}', '{"text":"1.2.3.4:80\\u0000"}', "\u0000", "{}".repeat(3)]),
      ])();
    }
    const url = `http://switchyard.test${spec.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(params[name]))}?${query}`;
    const what = `${spec.method} ${spec.path} case ${i} params=${JSON.stringify(params)} query=${query} body=${body?.slice(0, 200)}`;
    const response = await invoke(new Request(url, { method: spec.method, headers, body }), params);
    const text = await response.text();
    expect(response.status, what).not.toBe(500);
    expect(documented.has(response.status), `${what}: undocumented ${response.status} ${text.slice(0, 300)}`).toBe(true);
    if (response.status >= 400) expectErrorShape(response.status, text, what);
  }
}

describe("every registered route under hostile input", () => {
  const routes = registeredRoutes().filter((route) => route.spec.scope !== "public");

  it("covers the whole registry", () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it.each(routes.map((route, index) => [`${route.spec.method} ${route.spec.path}`, route, index] as const))(
    "%s: never 500, always the documented error shape",
    async (_name, route, index) => {
      const { key } = await testApiKey("admin"); // a fresh key per route: its rate limit is not what is tested
      await fuzzRoute(route, key, 1000 + index, 40);
    },
    120_000,
  );

  it("NUL and lone surrogates in labels, descriptions, searches and result targets are 422 with the field named", async () => {
    const { key } = await testApiKey("admin");
    const find = (method: string, path: string) => registeredRoutes().find((r) => r.spec.method === method && r.spec.path === path)!;
    const call = async (method: string, path: string, body: unknown, search = "") => {
      const response = await find(method, path).invoke(
        new Request(`http://switchyard.test${path}${search}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
        {},
      );
      return { status: response.status, json: (await response.json()) as { error: { details: { fields: Record<string, string> } } } };
    };
    const label = await call("POST", "/api/v1/nodes", { scheme: "http", host: "10.9.9.9", port: 80, label: "a\u0000b" });
    expect(label.status).toBe(422);
    expect(label.json.error.details.fields.label).toMatch(/NUL/);
    const description = await call("POST", "/api/v1/pools", { name: "p-fuzz", description: "x\ud800" });
    expect(description.status).toBe(422);
    expect(description.json.error.details.fields.description).toMatch(/lone surrogate/);
    const search = await call("GET", "/api/v1/nodes", undefined, `?search=${encodeURIComponent("a\u0000")}`);
    expect(search.status).toBe(422);
    expect(search.json.error.details.fields["query.search"]).toMatch(/NUL/);
    const results = await call("POST", "/api/v1/results", { results: [{ nodeId: "00000000-0000-4000-8000-000000000000", target: "https://shop.example/\ud800", status: 200, latencyMs: 1 }] });
    expect(results.status).toBe(422);
    expect(results.json.error.details.fields["results.0.target"]).toMatch(/lone surrogate/);
  });

  it("text/plain bodies are refused with 415, not read as JSON", async () => {
    const { key } = await testApiKey("admin");
    const route = registeredRoutes().find((r) => r.spec.method === "POST" && r.spec.path === "/api/v1/pools")!;
    const response = await route.invoke(new Request("http://switchyard.test/api/v1/pools", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" }, body: JSON.stringify({ name: "plain" }) }), {});
    expect(response.status).toBe(415);
    expectErrorShape(415, await response.text(), "text/plain");
  });
});

describe("over HTTP: the gateway fast path, unmatched paths and oversized requests", () => {
  let server: Server;
  let base: { host: string; port: number };
  let key: string;

  beforeAll(async () => {
    const gateway = await getGateway();
    key = (await testApiKey("admin")).key;
    server = createServer(async (req, res) => {
      if (await gateway.fastPath(req, res)) return;
      if (unmatchedApiRouteFastPath(req, res)) return;
      res.writeHead(299).end(); // would go to Next: not what this test is about
    });
    server.on("clientError", answerClientError);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = { host: "127.0.0.1", port: (server.address() as AddressInfo).port };
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await stopGateway();
  });

  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    new Promise<{ status: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const length: Record<string, string> = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
      const req = httpRequest({ ...base, method, path, headers: { authorization: `Bearer ${key}`, ...length, ...headers } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      });
      req.on("error", reject);
      req.end(body);
    });

  it("checkout and lease fast paths: never 500, always the documented shape", async () => {
    const g = generator(42);
    const checkout = registeredRoutes().find((r) => r.spec.operationId === "checkoutProxy")!.spec;
    const lease = registeredRoutes().find((r) => r.spec.operationId === "createLease")!.spec;
    for (let i = 0; i < 60; i++) {
      const pool = encodeSegment(String(g.pick(NASTY))) || "x";
      const query = new URLSearchParams();
      for (const [name, v] of Object.entries(g.shaped(checkout.query))) query.append(name, String(v));
      const got = await send("GET", `/api/v1/pools/${pool}/proxy?${query}`);
      expect(got.status, `checkout ${pool} ${query}`).not.toBe(500);
      expect([200, ...routeErrorCodes(checkout).map((c) => API_ERRORS[c])], `checkout ${pool} ${query}: ${got.text.slice(0, 200)}`).toContain(got.status);
      if (got.status >= 400) expectErrorShape(got.status, got.text, `checkout ${pool} ${query}`);

      const contentType = g.pick(CONTENT_TYPES);
      const body = g.random() < 0.5 ? JSON.stringify(g.shaped(lease.body)) : String(g.pick(['{"pool":"\\u0000"}', '{"pool":"\\ud800"}', "{", "", JSON.stringify(g.value())]));
      const leased = await send("POST", "/api/v1/leases", contentType ? { "content-type": contentType } : {}, body);
      expect(leased.status, `lease ${contentType} ${body}`).not.toBe(500);
      expect([201, ...routeErrorCodes(lease).map((c) => API_ERRORS[c])], `lease ${body}: ${leased.text.slice(0, 200)}`).toContain(leased.status);
      if (leased.status >= 400) expectErrorShape(leased.status, leased.text, `lease ${contentType} ${body.slice(0, 100)}`);
    }
  });

  it("unknown /api/v1 paths answer 404 JSON and wrong methods 405 JSON with Allow", async () => {
    for (const path of ["/api/v1", "/api/v1/", "/api/v1/nope", "/api/v1/nodes/x/y/z", "/api/v1/%00"]) {
      const got = await send("GET", path);
      expect(got.status, path).toBe(404);
      expectErrorShape(404, got.text, path);
    }
    for (const { spec } of registeredRoutes()) {
      const path = spec.path.replace(/\{\w+\}/g, "00000000-0000-4000-8000-000000000000");
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
        if (registeredRoutes().some((r) => r.spec.method === method && new RegExp(`^${r.spec.path.replace(/\{\w+\}/g, "[^/]+")}$`).test(path))) continue;
        const got = await send(method, path, { "content-type": "application/json" }, method === "GET" ? undefined : "{}");
        expect(got.status, `${method} ${path}: ${got.text}`).toBe(405);
        expect(String(got.headers.allow)).toContain(spec.method);
        expectErrorShape(405, got.text, `${method} ${path}`);
      }
    }
  });

  it("a huge session= gets a JSON 431, not an empty answer", async () => {
    const got = await send("GET", `/api/v1/pools/x/proxy?session=${"s".repeat(40_000)}`);
    expect(got.status).toBe(431);
    expectErrorShape(431, got.text, "431");
  });
});
