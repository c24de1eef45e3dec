import path from "node:path";
import { test as base, expect, request as playwrightRequest, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { startFaultLab, type FaultLab, type LabProxySpec } from "@/lib/lab/fault-lab";
import { signInAsAdmin } from "./support/auth";

// The one e2e set-up every spec shares, so that each spec (and each test) runs alone and in any
// order: nothing here depends on what another spec left behind.
// - worker-scoped: the first admin (created through /setup on an empty database) signed in once,
//   its session reused by every page (`storageState`); a write API key made once in the UI.
// - test-scoped: `api` (the v1 API with that key), `labPool` (a fresh fault lab of its own, its
//   proxies registered as the nodes of a new uniquely named pool through the API, plus an http and
//   an https target of its own), and a console guard that fails the test on any browser error.

export { expect } from "@playwright/test";
export { E2E_ADMIN } from "./support/auth";

/** The lab most specs want: one proxy per outcome an operator must tell apart. */
export const STANDARD_LAB_PROXIES: LabProxySpec[] = [
  { name: "healthy", kind: "http" },
  { name: "bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" } },
  { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
  { name: "refuse", kind: "http", behaviour: { kind: "refuse" } },
];

export interface LabTarget {
  name: string;
  url: string;
}

export interface LabPool {
  id: string;
  name: string;
  lab: FaultLab;
  /** The node's proxy URL as the UI lists it, e.g. http://127.0.0.1:41234. */
  nodeUrl(proxyName: string): string;
  /** host:port of a lab proxy (how tables and search find its node). */
  address(proxyName: string): string;
  nodeId(proxyName: string): string;
  /** The lab's http and https "ok" pages and its IP echo, stored as probe targets named after the pool. */
  targets: { http: LabTarget; https: LabTarget; ipEcho: LabTarget };
}

interface TestFixtures {
  /** The test's own lab: `test.use({ labOptions: { proxies: [...] } })` (an object: Playwright reads an array option as [value, options]). */
  labOptions: { proxies: LabProxySpec[] };
  /** Fail the test on any browser console error or uncaught page error (default on). */
  failOnConsoleErrors: boolean;
  api: APIRequestContext;
  /** A fault lab of the test's own (fresh ports, so its nodes and targets are new to the database). */
  lab: FaultLab;
  labPool: LabPool;
  consoleErrors: string[];
}

interface WorkerFixtures {
  adminStorageState: string;
  apiKey: string;
}

let unique = 0;
/** A name no other test, spec or earlier run on the same database uses. */
export function uniqueName(prefix: string): string {
  // Fixed-width parts: no name is a prefix of another (rows are found by the text they contain).
  return `${prefix}-${Date.now().toString(36)}-${String(process.pid % 1000).padStart(3, "0")}${String(++unique).padStart(4, "0")}`;
}

async function signedInPage(browser: Browser, baseURL: string, storageState: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState });
  return context.newPage();
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  adminStorageState: [
    async ({ browser }, provide, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL!;
      const context = await browser.newContext({ baseURL });
      const page = await context.newPage();
      await signInAsAdmin(page, "/settings"); // creates the first admin through /setup on an empty database
      const file = path.join(workerInfo.project.outputDir, `.admin-${workerInfo.workerIndex}.json`);
      await context.storageState({ path: file });
      await context.close();
      await provide(file);
    },
    { scope: "worker" },
  ],

  // Every page and context starts signed in as the admin; a spec about signing in opts out with
  // test.use({ storageState: { cookies: [], origins: [] } }).
  storageState: async ({ adminStorageState }, provide) => provide(adminStorageState),

  apiKey: [
    async ({ browser, adminStorageState }, provide, workerInfo) => {
      const page = await signedInPage(browser, workerInfo.project.use.baseURL!, adminStorageState);
      await page.goto("/settings/api-keys");
      await page.getByLabel("Name").fill(uniqueName("e2e-fixture"));
      await page.getByLabel("Scope").selectOption("write");
      await page.getByRole("button", { name: "Create key" }).click();
      const key = (await page.getByTestId("new-api-key").textContent()) ?? "";
      expect(key).toMatch(/^sy_/);
      await page.context().close();
      await provide(key);
    },
    { scope: "worker" },
  ],

  api: async ({ apiKey, baseURL }, provide) => {
    const api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${apiKey}` } });
    await provide(api);
    await api.dispose();
  },

  labOptions: [{ proxies: STANDARD_LAB_PROXIES }, { option: true }],
  failOnConsoleErrors: [true, { option: true }],

  lab: async ({ labOptions }, provide) => {
    const lab = await startFaultLab({ upstreamTimeoutMs: 800, proxies: labOptions.proxies });
    await provide(lab);
    await lab.close();
  },

  labPool: async ({ lab, api, browser, adminStorageState, baseURL }, provide) => {
    const name = uniqueName("lab");
    const created = await api.post("/api/v1/pools", { data: { name } });
    expect(created.status(), await created.text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const nodeUrl = (proxyName: string) => lab.proxy(proxyName).url;
    const imported = await api.post("/api/v1/nodes/import", { data: { text: lab.proxies.map((proxy) => proxy.url).join("\n"), poolId: id } });
    expect(imported.status(), await imported.text()).toBe(200);
    expect(((await imported.json()) as { added: number }).added).toBe(lab.proxies.length);
    const listed = await api.get(`/api/v1/nodes?${new URLSearchParams({ poolId: id, limit: "100" })}`);
    expect(listed.status(), await listed.text()).toBe(200);
    const nodes = ((await listed.json()) as { data: Array<{ id: string; port: number }> }).data;

    // Probe targets have no v1 endpoint: add them the way an operator does, in the UI.
    const targets = {
      http: { name: `${name} http ok`, url: `${lab.httpTarget.baseUrl}/ok` },
      https: { name: `${name} https ok`, url: `${lab.httpsTarget.baseUrl}/ok` },
      ipEcho: { name: `${name} ip echo`, url: `${lab.httpTarget.baseUrl}/ip` },
    };
    const page = await signedInPage(browser, baseURL!, adminStorageState);
    await page.goto("/targets");
    const form = page.getByRole("form", { name: "Add target" });
    for (const target of Object.values(targets)) {
      await form.getByLabel("URL").fill(target.url);
      await form.getByLabel("Name").fill(target.name);
      await form.getByRole("button", { name: "Add target" }).click();
      await expect(page.getByRole("table", { name: "Probe targets" })).toContainText(target.name);
    }
    await page.context().close();

    await provide({
      id,
      name,
      lab,
      nodeUrl,
      address: (proxyName) => `127.0.0.1:${lab.proxy(proxyName).port}`,
      nodeId: (proxyName) => {
        const node = nodes.find((n) => n.port === lab.proxy(proxyName).port);
        if (!node) throw new Error(`no node for lab proxy ${proxyName}`);
        return node.id;
      },
      targets,
    });
  },

  // Automatic: every test's page is watched without naming the fixture.
  consoleErrors: [
    async ({ page, failOnConsoleErrors }, provide) => {
      const errors: string[] = [];
      page.on("console", (message) => message.type() === "error" && errors.push(`${page.url()}: ${message.text()}`));
      page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
      await provide(errors);
      if (failOnConsoleErrors) expect(errors, "browser console errors").toEqual([]);
    },
    { auto: true },
  ],
});

/** The node page of a lab proxy, reached the way an operator does (search, then the link). */
export async function openLabNode(page: Page, pool: LabPool, proxyName: string): Promise<void> {
  await page.goto(`/nodes?search=${pool.lab.proxy(proxyName).port}`);
  await page.getByRole("link", { name: pool.nodeUrl(proxyName) }).click();
  await expect(page.getByRole("region", { name: "Health" })).toBeVisible();
}

/** "Test now" on the pools page against the given targets; waits until the run is done and closes the dialog. */
export async function testPoolNow(page: Page, pool: LabPool, targets: LabTarget[] = [pool.targets.http]): Promise<void> {
  await page.goto("/pools");
  await page.getByRole("row").filter({ hasText: pool.name }).getByRole("button", { name: "Test now" }).click();
  const dialog = page.getByRole("dialog");
  for (const target of targets) await dialog.getByRole("checkbox", { name: new RegExp(escapeRegExp(target.name)) }).check();
  await dialog.getByRole("button", { name: /^Test \d+ nodes?$/ }).click();
  await expect(dialog.getByTestId("probe-run")).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await dialog.getByRole("button", { name: "Done" }).click();
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
