import { request as httpRequest } from "node:http";
import type { Page, TestInfo } from "@playwright/test";
import { expect, test, uniqueName, type LabPool } from "./fixtures";
import { E2E_GATEWAY_PORT } from "./support/ports";

// The forward-proxy gateway of the e2e server (SWITCHYARD_GATEWAY_PORT, see playwright.config.ts)
// in front of a pool where a third of the lab proxies answer their own 502/504: requests from this
// test process all succeed, and the overview shows the gateway's requests, retries, final
// failures and the nodes automatic health ejected; its figures open the gateway's attempts.
// Each test has its own pool (fixtures.ts): nothing depends on another test or spec.
test.use({
  labOptions: {
    proxies: [
      { name: "ok-1", kind: "http" },
      { name: "ok-2", kind: "http" },
      { name: "ok-3", kind: "http" },
      { name: "ok-4", kind: "http" },
      { name: "bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" } },
      { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
    ],
  },
});

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** One absolute-form GET through the gateway, as any HTTP client sends it to a proxy. */
function getThroughGateway(pool: string, key: string, url: string): Promise<Answer> {
  const auth = `Basic ${Buffer.from(`pool-${pool}:${key}`).toString("base64")}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: E2E_GATEWAY_PORT, path: url, headers: { host: new URL(url).host, "proxy-authorization": auth }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Automatic health for the pool, set in the overview: eject after one node-caused failure. */
async function ejectAfterOneFailure(page: Page, pool: LabPool) {
  await page.goto("/?window=15m");
  await page.getByLabel("Pool").selectOption({ label: pool.name });
  const policy = page.getByRole("form", { name: "Automatic health policy" });
  await policy.getByLabel(/Eject failing nodes/).check();
  await policy.getByLabel("Eject after failures in a row").fill("1");
  await policy.getByRole("button", { name: "Save policy" }).click();
  await expect(policy.getByText("Saved.")).toBeVisible();
}

test("the pool's gateway retries: each bad field is named, good values are saved and audited", async ({ page, api }) => {
  const name = uniqueName("gw-settings");
  const created = await api.post("/api/v1/pools", { data: { name } });
  expect(created.status(), await created.text()).toBe(201);
  await page.goto("/pools");
  await page.getByRole("row").filter({ hasText: name }).getByRole("button", { name: "Gateway" }).click();
  const form = page.getByRole("form", { name: "Gateway retries" });
  await expect(form.getByLabel("Attempts per request")).toHaveValue("3");
  await form.getByLabel("Attempts per request").fill("0");
  await form.getByLabel("Deadline (ms)").fill("soon");
  await form.getByRole("button", { name: "Save gateway settings" }).click();
  await expect(form.locator("#gateway-maxAttempts-error")).toHaveText("At least 1 attempt.");
  await expect(form.locator("#gateway-deadlineMs-error")).toHaveText("Deadline is a number of milliseconds.");
  await expect(form.getByLabel("Connect timeout (ms)")).not.toHaveAttribute("aria-invalid");
  await form.getByLabel("Attempts per request").fill("4");
  await form.getByLabel("Deadline (ms)").fill("20000");
  await form.getByRole("button", { name: "Save gateway settings" }).click();
  await expect(page.getByRole("dialog")).toBeHidden();
  await page.getByRole("row").filter({ hasText: name }).getByRole("button", { name: "Gateway" }).click();
  await expect(form.getByLabel("Attempts per request")).toHaveValue("4");
  await expect(form.getByLabel("Deadline (ms)")).toHaveValue("20000");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.goto("/audit?action=pool.gateway_settings_changed");
  await expect(page.locator('li[data-action="pool.gateway_settings_changed"]').first()).toBeVisible();
});

test("requests through the gateway all succeed; the overview shows requests, retries, failures and the ejected nodes", async ({ page, labPool, apiKey }, testInfo) => {
  // It waits for background work: the gateway's counters (every 5 s), the worker's health round (every 5 s), the overview's poll (4 s).
  test.setTimeout(150_000);
  const lab = labPool.lab;
  await ejectAfterOneFailure(page, labPool);
  const getThrough = (url: string) => getThroughGateway(labPool.name, apiKey, url);
  const url = `${lab.httpTarget.baseUrl}/ok`;
  const answers: Answer[] = [];
  // Four clients in parallel, 60 requests: round robin hands the faulty nodes out as first choice ~10 times each.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 15; i++) answers.push(await getThrough(url));
    }),
  );
  expect(answers.map((a) => `${a.status} ${a.headers["x-switchyard-error"] ?? ""}`.trim()).filter((s) => s !== "200")).toEqual([]);
  const retries = answers.reduce((n, a) => n + Number(a.headers["x-switchyard-attempts"] ?? 1) - 1, 0);
  expect(retries).toBeGreaterThan(0);
  // The target's own 502 comes back unchanged, once: a final failure the overview counts.
  const targets502 = await getThrough(`${lab.httpTarget.baseUrl}/status/502`);
  expect(targets502.status).toBe(502);
  expect(targets502.headers["x-switchyard-error"]).toBeUndefined();
  expect(targets502.headers["x-switchyard-attempts"]).toBeUndefined();

  await page.goto("/?window=15m");
  await page.getByLabel("Pool").selectOption({ label: labPool.name });
  const panel = page.getByTestId("gateway-traffic");
  // The gateway writes its counters every 5 s, the overview polls every 4 s.
  await expect(panel.getByTestId("gateway-requests")).toHaveText("61", { timeout: 30_000 });
  await expect(panel.getByTestId("gateway-retries")).toHaveText(String(retries));
  await expect(panel.getByTestId("gateway-failures")).toHaveText("1");
  await expect(panel.getByTestId("gateway-rate")).toContainText("/s");
  // One path cannot tell a target's own 502 from one of a proxy behind it that does not mark its pages: undecided.
  const failure = panel.getByTestId("gateway-failure-classes").locator('tr[data-class="target_502"]');
  await expect(failure).toHaveAttribute("data-origin", "unknown");
  await expect(failure.locator("td").nth(1)).toHaveText("undecided");
  await expect(failure.locator("td").last()).toHaveText("1");
  // Automatic health (worker, every 5 s) ejects the two nodes that answered their own 502/504.
  await expect(panel.getByTestId("gateway-ejected")).toHaveText("2", { timeout: 30_000 });
  const ejected = panel.getByTestId("ejected-nodes");
  for (const name of ["bad-gateway", "gateway-timeout"]) await expect(ejected).toContainText(`127.0.0.1:${lab.proxy(name).port}`);
  for (const name of ["ok-1", "ok-2", "ok-3", "ok-4"]) await expect(ejected).not.toContainText(`127.0.0.1:${lab.proxy(name).port}`);
  await expect(ejected).toContainText("node-caused failures in a row");
  await shot(page, testInfo, "overview-gateway-panel");

  // Once ejected, no attempt goes to those nodes: ten more requests, ten attempts.
  for (let i = 0; i < 10; i++) {
    const answer = await getThrough(url);
    expect(answer.status).toBe(200);
    expect(answer.headers["x-switchyard-attempts"]).toBeUndefined();
  }

  // Retries open the gateway's failed attempts in the results view (source = gateway).
  await panel.getByRole("link", { name: "Retries" }).click();
  await expect(page).toHaveURL(/\/results\?.*source=gateway/);
  await expect(page.getByLabel("Source")).toHaveValue("gateway");
  const rows = page.getByRole("table", { name: "Results" }).locator("tbody tr[data-source]");
  await expect(rows.first()).toBeVisible();
  const classes = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute("data-source")} ${tr.getAttribute("data-fault-class")}`));
  expect(classes.length).toBeGreaterThanOrEqual(retries);
  for (const row of classes) expect(["gateway proxy_502", "gateway proxy_504", "gateway target_502"]).toContain(row);
  expect(classes).toContain("gateway proxy_502");
  expect(classes).toContain("gateway proxy_504");
  await shot(page, testInfo, "results-gateway-failures");

  // The gateway recorded its traffic against a target row for the origin: delete it, as an operator
  // would (exact URL: the pool's own targets on the same origin stay).
  await page.goto("/targets");
  const origin = `${lab.httpTarget.baseUrl}/`;
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: origin, exact: true }) });
  await expect(row).toHaveCount(1);
  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("cell", { name: origin, exact: true })).toHaveCount(0);
});
