import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { E2E_ADMIN, escapeRegExp, expect, test, testPoolNow, type LabPool } from "./fixtures";

// The operator's dashboard walked at desktop (1440×900) and phone (390×844) width against the
// fault lab: sign-in then navigation without a reload, every figure clicking through to its
// results, a shared overview URL, the nodes table without horizontal scrolling, screenshots of
// every main page at both widths (test-results/screens/), and no console error on any page (the
// fixture's console guard). Each test has its own lab pool (e2e/fixtures.ts) and probes it itself.
// Generous: the machine running the suite may be shared (the steps themselves wait for conditions).
test.describe.configure({ timeout: 240_000 });

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const SCREENS = path.join("test-results", "screens");

async function screen(page: Page, name: string) {
  mkdirSync(SCREENS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: path.join(SCREENS, `${name}-${width}.png`), fullPage: true });
}

/** Nothing wider than the viewport: the page never scrolls sideways. */
async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${page.url()} is wider than the viewport`).toBeLessThanOrEqual(0);
}

/** The pool's overview for the last 15 minutes, opened from its URL. */
async function overviewOf(page: Page, pool: LabPool) {
  await page.goto(`/?window=15m&poolId=${pool.id}`);
  await expect(page.getByLabel("Pool").locator("option:checked")).toHaveText(pool.name);
}

test("sign in, then use the navigation without reloading", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  // The fixture signed this context in; start signed out (the admin exists).
  await page.context().clearCookies();
  await page.goto("/login?next=%2Fsettings");
  // A marker on the window survives client-side navigation only: a reload would drop it.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await page.getByLabel("E-mail address").fill(E2E_ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByTestId("current-user")).toContainText(E2E_ADMIN.email);
  await nav.getByRole("link", { name: "Nodes" }).click();
  await expect(page).toHaveURL(/\/nodes/);
  await expect(page.getByRole("heading", { name: "Nodes" })).toBeVisible();
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(nav.getByRole("button", { name: "Sign out" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  await screen(page, "login-after");
});

test("Test now pre-selects the pool's schedule and lists the failed nodes", async ({ page, labPool }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto("/pools");
  const poolRow = page.getByRole("row").filter({ hasText: labPool.name });
  const { http, https } = labPool.targets;

  // Without a schedule nothing is pre-selected, and the dialog says why the button is disabled.
  await page.goto("/pools");
  await poolRow.getByRole("button", { name: "Test now" }).click();
  let dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("test-now-hint")).toContainText("no scheduled targets");
  await expect(dialog.getByRole("button", { name: "Test 4 nodes" })).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // The schedule's targets (not enabled: no background probing muddles the counts).
  await poolRow.getByRole("button", { name: "Schedule" }).click();
  dialog = page.getByRole("dialog");
  await dialog.getByRole("checkbox", { name: http.name }).check();
  await dialog.getByRole("checkbox", { name: https.name }).check();
  await dialog.getByRole("button", { name: "Save schedule" }).click();
  await expect(dialog).toBeHidden();

  await poolRow.getByRole("button", { name: "Test now" }).click();
  dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("checkbox", { name: new RegExp(escapeRegExp(http.name)) })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: new RegExp(escapeRegExp(https.name)) })).toBeChecked();
  await dialog.getByRole("button", { name: "Test 4 nodes" }).click();
  await expect(dialog.getByTestId("probe-run")).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  // 8 checks: the healthy node passes http (https fails TLS: the e2e server does not trust the lab CA).
  await expect(dialog.getByRole("progressbar", { name: "Probe run progress" })).toHaveAttribute("aria-valuenow", "8");
  const failed = dialog.getByRole("list", { name: "Failed nodes" });
  await expect(failed.locator('[data-fault-class="proxy_502"]').first()).toContainText(`127.0.0.1:${labPool.lab.proxy("bad-gateway").port}`);
  await expect(failed.locator('[data-fault-class="proxy_unreachable"]').first()).toContainText(/refused/i);
  await screen(page, "test-now");
  await dialog.getByRole("button", { name: "Done" }).click();
});

test("overview: figures click through to their results; the heat map opens node × target results", async ({ page, labPool }) => {
  await page.setViewportSize(DESKTOP);
  await testPoolNow(page, labPool, [labPool.targets.http, labPool.targets.https]);
  await page.goto("/?window=15m");
  await page.getByLabel("Pool").selectOption({ label: labPool.name });
  await expect(page).toHaveURL(/poolId=/);
  await expect(page.getByTestId("kpi-requests")).toHaveText("8");

  // The 502 card shows its origin split; the proxy part opens exactly those results.
  const split502 = page.getByTestId("kpi-502-origins");
  await expect(split502.locator('[data-origin="proxy"]')).toContainText("2");
  await split502.locator('[data-origin="proxy"]').click();
  await expect(page).toHaveURL(/\/results\?.*bucket=502.*origin=proxy/);
  const results = page.getByRole("table", { name: "Results" });
  await expect(results.locator("tbody tr[data-fault-class]")).toHaveCount(2);
  await expect(results.locator('tbody tr[data-fault-class="proxy_502"]')).toHaveCount(2);
  // CSV of the same filter.
  const csv = await page.request.get((await page.getByRole("link", { name: "Export CSV" }).getAttribute("href"))!);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect((await csv.text()).trim().split("\r\n")).toHaveLength(3);
  await screen(page, "results");

  // Heat map: worst row first, cells name their dominant class, full target URLs in the header.
  await page.goBack();
  const heat = page.getByTestId("heat-map");
  await expect(heat.locator("thead")).toContainText(`${labPool.lab.httpsTarget.baseUrl}/ok`);
  await expect(heat.locator("thead")).toContainText(`${labPool.lab.httpTarget.baseUrl}/ok`);
  // (One check per cell here, so a row's failure rate is the mean of its cells.)
  const rates = await heat.locator("tbody tr").evaluateAll((rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll("[data-failure-rate]")].map((cell) => Number(cell.getAttribute("data-failure-rate")));
      return cells.reduce((sum, rate) => sum + rate, 0) / cells.length;
    }),
  );
  expect(rates).toEqual([...rates].sort((a, b) => b - a));
  const badRow = heat.locator("tbody tr").filter({ hasText: `127.0.0.1:${labPool.lab.proxy("bad-gateway").port}` });
  const httpCell = badRow.locator('[data-dominant-class="proxy_502"]').first();
  await expect(httpCell).toContainText("proxy_502");
  await httpCell.click();
  await expect(page).toHaveURL(/\/results\?.*nodeId=.*targetId=/);
  await expect(results.locator("tbody tr[data-fault-class]")).toHaveCount(1);
  await expect(results.locator("tbody tr")).toContainText(`127.0.0.1:${labPool.lab.proxy("bad-gateway").port}`);

  // Top offending nodes: the failure count opens that node's failures.
  await page.goBack();
  await page.getByTestId("top-nodes").locator("tbody tr").first().getByRole("link").nth(1).click();
  await expect(page).toHaveURL(/\/results\?.*nodeId=.*bucket=failed/);
  await expect(results.locator("tbody tr[data-fault-class]").first()).toBeVisible();
});

test("a shared overview URL restores pool and window", async ({ page, browser, labPool }) => {
  await page.setViewportSize(DESKTOP);
  await testPoolNow(page, labPool, [labPool.targets.http, labPool.targets.https]);
  await page.goto("/");
  await page.getByLabel("Pool").selectOption({ label: labPool.name });
  await page.getByRole("radio", { name: "24 h" }).click();
  await expect(page).toHaveURL(/window=24h/);
  await expect(page).toHaveURL(/poolId=/);
  const shared = page.url();
  // Someone else opens the link, signed out: the sign-in keeps the way back, pool and window included.
  const other = await browser.newContext({ viewport: DESKTOP, storageState: { cookies: [], origins: [] } });
  const second = await other.newPage();
  await second.goto(shared);
  await expect(second).toHaveURL(/\/login\?next=/);
  await second.getByLabel("E-mail address").fill(E2E_ADMIN.email);
  await second.getByLabel("Password", { exact: true }).fill(E2E_ADMIN.password);
  await second.getByRole("button", { name: "Sign in" }).click();
  await expect(second).toHaveURL(shared);
  await expect(second.getByRole("radio", { name: "24 h" })).toHaveAttribute("aria-checked", "true");
  await expect(second.getByLabel("Pool").locator("option:checked")).toHaveText(labPool.name);
  await expect(second.getByTestId("kpi-requests")).toHaveText("8");
  await other.close();
});

test("overview: an operator action is drawn on the chart; a custom range, typed or dragged, lives in the URL", async ({ page, labPool, api }) => {
  await page.setViewportSize(DESKTOP);
  await testPoolNow(page, labPool, [labPool.targets.http]);
  const drained = await api.post(`/api/v1/nodes/${labPool.nodeId("bad-gateway")}/state`, { data: { state: "DRAINING", reason: "e2e: annotated" } });
  expect(drained.status(), await drained.text()).toBe(200);
  await overviewOf(page, labPool);
  await expect(page.getByTestId("kpi-requests")).toHaveText("4");
  // The drain is a mark on the chart, named with its node and reason.
  await expect(page.getByTestId("chart-annotations")).toContainText(`drained ${labPool.address("bad-gateway")} (“e2e: annotated”)`);

  // A typed range: the figures follow it, the URL keeps it.
  const minute = (offset: number) => Math.floor((Date.now() + offset * 60_000) / 60_000) * 60_000;
  const local = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const range = page.getByRole("form", { name: "Custom time range" });
  await range.getByLabel("From").fill(local(minute(-40)));
  await range.getByLabel("To").fill(local(minute(-30)));
  await range.getByRole("button", { name: "Apply range" }).click();
  await expect(page).toHaveURL(/from=.*&to=/);
  await expect(page.getByTestId("kpi-requests")).toHaveText("0"); // the test ran after this range
  await range.getByLabel("From").fill(local(minute(-10)));
  await range.getByLabel("To").fill(local(minute(1)));
  await range.getByRole("button", { name: "Apply range" }).click();
  await expect(page.getByTestId("kpi-requests")).toHaveText("4");
  await expect(page.getByRole("radiogroup", { name: "Window" }).getByRole("radio", { checked: true })).toHaveCount(0);
  // Bookmarkable: a reload shows the same range and figures.
  const bookmarked = page.url();
  await page.reload();
  await expect(page).toHaveURL(bookmarked);
  await expect(page.getByTestId("zoom-range")).toBeVisible();
  await expect(page.getByTestId("kpi-requests")).toHaveText("4");
  // A range the server would refuse is caught in the form first; the server's answer names the field.
  await range.getByLabel("From").fill(local(minute(-5)));
  await range.getByLabel("To").fill(local(minute(-10)));
  await range.getByRole("button", { name: "Apply range" }).click();
  await expect(range.getByRole("alert")).toHaveText("To must be at least a minute after from.");
  await expect(page).toHaveURL(bookmarked);
  const refused = await page.request.get(`/api/ui/stats?from=${new Date(minute(-5)).toISOString()}&to=${new Date(minute(-10)).toISOString()}`);
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error.details.fields).toEqual({ to: "must be at least a minute after from" });

  // Dragging across the chart zooms: a narrower range in the URL, and back to the window.
  await page.getByRole("button", { name: /^Back to the last/ }).click();
  await expect(page).not.toHaveURL(/from=/);
  const chart = page.getByTestId("stacked-class-chart").locator(".recharts-wrapper");
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 8 });
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.5, { steps: 8 });
  await page.mouse.up();
  await expect(page).toHaveURL(/from=.*&to=/);
  const zoomed = new URL(page.url()).searchParams;
  const span = Date.parse(zoomed.get("to")!) - Date.parse(zoomed.get("from")!);
  expect(span).toBeGreaterThan(0);
  expect(span).toBeLessThan(15 * 60_000);
  await expect(page.getByTestId("zoom-range")).toBeVisible();
});

test("nodes table: no sideways scroll at 1440 px, sticky bulk bar, named confirmation, selection cleared", async ({ page, labPool }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto("/nodes");
  await page.getByLabel("Pool").selectOption({ label: labPool.name });
  await expect(page.getByTestId("node-total")).toHaveText("4 nodes");
  const wrapper = page.getByRole("table", { name: "Nodes" }).locator("..");
  expect(await wrapper.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);

  const bad = `127.0.0.1:${labPool.lab.proxy("bad-gateway").port}`;
  await page.getByRole("checkbox", { name: `Select ${bad}` }).check();
  await page.getByRole("button", { name: "Drain" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("list", { name: "Nodes to change" })).toContainText(bad);
  await dialog.getByRole("button", { name: "Drain 1 node" }).click();
  await expect(page.getByTestId("bulk-notice")).toContainText(`Drained http://${bad}: 1 node changed.`);
  await expect(page.getByRole("toolbar", { name: "Bulk actions" })).toBeHidden();
  await expect(page.getByRole("checkbox", { name: `Select ${bad}` })).not.toBeChecked();

  // The failing filter states its rule.
  await page.getByLabel("Health").selectOption("failing");
  await expect(page.getByTestId("failing-rule")).toContainText("caused by the node or the network");
});

test("with automatic health off for its pool, a node's health says auto off, and the table says what that means", async ({ page, labPool }) => {
  await page.setViewportSize(DESKTOP);
  await overviewOf(page, labPool);
  const policy = page.getByRole("form", { name: "Automatic health policy" });
  await policy.getByLabel(/Eject failing nodes/).uncheck();
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByText("Saved.")).toBeVisible();
  await expect(page.getByTestId("health-off")).toBeVisible();

  await page.goto(`/nodes?poolId=${labPool.id}`);
  await expect(page.getByTestId("node-total")).toHaveText("4 nodes");
  await expect(page.locator('tbody [data-health="off"]')).toHaveCount(4);
  await expect(page.getByTestId("health-help")).toContainText("“auto off” = automatic health is off for all of the node's pools");

  // On again: the column stops saying off.
  await overviewOf(page, labPool);
  await policy.getByLabel(/Eject failing nodes/).check();
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByText("Saved.")).toBeVisible();
  await page.goto(`/nodes?poolId=${labPool.id}`);
  await expect(page.getByTestId("node-total")).toHaveText("4 nodes");
  await expect(page.locator('tbody [data-health="off"]')).toHaveCount(0);
});

test("audit: subjects by name with links, filters apply on Enter", async ({ page, labPool, api }) => {
  await page.setViewportSize(DESKTOP);
  const drained = await api.post(`/api/v1/nodes/${labPool.nodeId("bad-gateway")}/state`, { data: { state: "DRAINING", reason: "e2e: audit subject" } });
  expect(drained.status(), await drained.text()).toBe(200);
  await page.goto("/audit");
  await page.getByLabel("Action starts with").fill("node.drained");
  await page.getByLabel("Action starts with").press("Enter");
  await expect(page).toHaveURL(/action=node.drained/);
  const event = page.getByRole("list", { name: "Audit events" }).locator('[data-action="node.drained"]').filter({ hasText: "e2e: audit subject" }).first();
  await expect(event.getByTestId("audit-subject").getByRole("link")).toHaveText(`http://127.0.0.1:${labPool.lab.proxy("bad-gateway").port}`);
  await event.getByTestId("audit-subject").getByRole("link").click();
  await expect(page).toHaveURL(/\/nodes\/[0-9a-f-]{36}$/);
});

interface MainPage {
  name: string;
  path: string;
  /** The page's main data request, timed alone as the baseline (server-rendered pages: the page itself). */
  data: string;
  /** What the operator came for, as a locator: asserted visible. */
  ready: (page: Page) => ReturnType<Page["locator"]>;
  /**
   * The same condition checked by the browser on every animation frame: the page's own
   * performance.now() (ms since the navigation started) once it holds, else 0.
   */
  shownAt: (arg: string) => number;
  arg: string;
  /** Server-rendered with its data: what the page's first HTML must already hold. */
  inFirstHtml?: RegExp;
}

function mainPages(pool: LabPool, nodeId: string): MainPage[] {
  return [
    {
      name: "overview",
      path: `/?window=15m&poolId=${pool.id}`,
      data: `/api/ui/stats?window=15m&poolId=${pool.id}`,
      ready: (page) => page.getByTestId("kpi-requests").filter({ hasText: /^\d+$/ }),
      shownAt: () => (/^\d+$/.test(document.querySelector('[data-testid="kpi-requests"]')?.textContent ?? "") ? performance.now() : 0),
      arg: "",
      inFirstHtml: /data-testid="kpi-requests"[^>]*>\d+</,
    },
    {
      name: "results",
      path: `/results?window=15m&poolId=${pool.id}`,
      data: `/api/ui/results?window=15m&poolId=${pool.id}`,
      ready: (page) => page.getByRole("table", { name: "Results" }).locator("tbody tr[data-fault-class]").first(),
      shownAt: () => (document.querySelector('table[aria-label="Results"] tbody tr[data-fault-class]') ? performance.now() : 0),
      arg: "",
    },
    {
      name: "nodes",
      path: `/nodes?poolId=${pool.id}`,
      data: `/api/ui/nodes?poolId=${pool.id}`,
      ready: (page) => page.getByTestId("node-total").filter({ hasText: /^\d+ nodes?$/ }),
      shownAt: () => (/^\d+ nodes?$/.test(document.querySelector('[data-testid="node-total"]')?.textContent ?? "") && document.querySelector("tbody tr[data-node-id]") ? performance.now() : 0),
      arg: "",
      inFirstHtml: new RegExp(`<tr data-node-id="${nodeId}"`),
    },
    {
      name: "node",
      path: `/nodes/${nodeId}`,
      data: `/api/ui/nodes/${nodeId}`,
      ready: (page) => page.getByRole("table", { name: "Recent results" }).locator("tbody tr[data-fault-class]").first(),
      shownAt: () => (document.querySelector("tbody tr[data-fault-class]") ? performance.now() : 0),
      arg: "",
    },
    {
      name: "pools",
      path: "/pools",
      data: "/api/ui/pools",
      ready: (page) => page.getByRole("link", { name: pool.name }),
      shownAt: (name) => ([...document.querySelectorAll("main a")].some((a) => a.textContent === name) ? performance.now() : 0),
      arg: pool.name,
    },
    {
      name: "targets",
      path: "/targets",
      data: "/api/ui/probe-targets",
      ready: (page) => page.getByRole("table", { name: "Probe targets" }).getByText(pool.targets.http.name),
      shownAt: (name) => ([...document.querySelectorAll("main td")].some((td) => td.textContent?.includes(name)) ? performance.now() : 0),
      arg: pool.targets.http.name,
    },
    {
      name: "audit",
      path: "/audit",
      data: "/api/ui/audit",
      ready: (page) => page.getByRole("list", { name: "Audit events" }).locator("li").first(),
      shownAt: () => (document.querySelector('[aria-label="Audit events"] li') ? performance.now() : 0),
      arg: "",
    },
    {
      name: "users",
      path: "/settings/users",
      data: "/settings/users",
      ready: (page) => page.getByRole("main").getByText(E2E_ADMIN.email).first(),
      shownAt: (email) => (document.querySelector("main")?.textContent?.includes(email) ? performance.now() : 0),
      arg: E2E_ADMIN.email,
    },
    {
      name: "api-keys",
      path: "/settings/api-keys",
      data: "/settings/api-keys",
      ready: (page) => page.getByRole("main").getByRole("table"),
      shownAt: () => (document.querySelector("main table tbody tr") ? performance.now() : 0),
      arg: "",
    },
  ];
}

for (const viewport of [DESKTOP, PHONE]) {
  test(`every main page at ${viewport.width} px: data shown, no sideways scroll, no console error, screenshot, timings printed`, async ({ page, labPool }, testInfo) => {
    await testPoolNow(page, labPool, [labPool.targets.http]);
    await page.setViewportSize(viewport);
    const figures: Array<{ page: string; width: number; ms: number; dataRequestMs: number }> = [];
    for (const entry of mainPages(labPool, labPool.nodeId("bad-gateway"))) {
      // Baseline in the same run: the page's main data request on its own.
      const dataStarted = performance.now();
      const data = await page.request.get(entry.data);
      const dataRequestMs = performance.now() - dataStarted;
      expect(data.ok(), entry.data).toBe(true);
      if (entry.inFirstHtml) expect(await (await page.request.get(entry.path)).text(), `${entry.name}: data in the first HTML`).toMatch(entry.inFirstHtml);

      await page.goto(entry.path, { waitUntil: "commit" });
      const shownAt = await (await page.waitForFunction(entry.shownAt, entry.arg, { polling: "raf" })).jsonValue();
      await expect(entry.ready(page)).toBeVisible();
      figures.push({ page: entry.name, width: viewport.width, ms: Math.round(shownAt), dataRequestMs: Math.round(dataRequestMs) });
      await expectNoSidewaysScroll(page);
      await screen(page, entry.name);
    }
    if (viewport.width < 640) {
      // Phone: the pages are behind the menu, the account and Sign out too.
      await page.getByRole("button", { name: "Menu" }).click();
      const menu = page.getByRole("list", { name: "Pages" });
      await expect(menu.getByRole("link", { name: "API keys" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
      await screen(page, "menu");
      await menu.getByRole("link", { name: "Audit log" }).click();
      await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
      await expect(menu).toBeHidden();
    }
    // Printed, not asserted: the 1 s goal is read from these figures (timed tests flake under load;
    // the console guard and the visibility checks above are the assertions).
    console.log(`page timings at ${viewport.width} px (ms = navigation start → the page's data on screen, measured by the browser; dataRequestMs = its data request alone):`);
    console.table(figures);
    const json = JSON.stringify(figures, null, 2);
    writeFileSync(testInfo.outputPath(`page-timings-${viewport.width}.json`), json);
    mkdirSync("test-results", { recursive: true });
    writeFileSync(path.join("test-results", `page-timings-${viewport.width}.json`), json);
  });
}
