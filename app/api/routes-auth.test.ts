import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { anonymously, asRole } from "@/lib/auth/testing";

// Walks every route handler under app/api and calls each exported method with no session and
// no API key: all must refuse, except the few that are public on purpose.
const PUBLIC = new Set(["health/route.ts GET", "auth/login/route.ts POST", "v1/openapi.json/route.ts GET"]);
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const ROOT = path.join(import.meta.dirname);
const ID = "00000000-0000-4000-8000-000000000000";

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [path.relative(ROOT, full)] : [];
  });
}

const files = routeFiles(ROOT);

async function call(file: string, method: string, handler: (request: Request, context: unknown) => Promise<Response>) {
  const url = `http://127.0.0.1/api/${path.dirname(file).replace(/\[[^\]]+\]/g, ID)}`;
  const init: RequestInit = { method, headers: { "content-type": "application/json" } };
  if (method !== "GET" && method !== "DELETE") init.body = "{}";
  const params = Object.fromEntries([...file.matchAll(/\[([^\]]+)\]/g)].map((m) => [m[1], ID]));
  return handler(new Request(url, init), { params: Promise.resolve(params) });
}

describe("API routes", () => {
  it("finds the route files", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    it(`${file}: every method refuses an anonymous caller`, async () => {
      const handlers = (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, unknown>;
      const methods = METHODS.filter((method) => typeof handlers[method] === "function" && !PUBLIC.has(`${file} ${method}`));
      for (const method of methods) {
        const response = await anonymously(() => call(file, method, handlers[method] as never));
        expect(response.status, `${method} ${file}`).toBe(401);
      }
    });
  }

  it("a viewer can read the browser's read routes", async () => {
    const nodesRoute = await import("./ui/nodes/route");
    const response = await asRole("viewer", () => call("ui/nodes/route.ts", "GET", nodesRoute.GET as never));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ rows: expect.any(Array), total: expect.any(Number) });
  });
});
