import type { Page, TestInfo } from "@playwright/test";
import { escapeRegExp, expect, openLabNode, STANDARD_LAB_PROXIES, test, testPoolNow, type LabPool } from "./fixtures";

// The live dashboard against real proxies with known faults (the fault lab on 127.0.0.1): a test
// run from the UI shows up on the overview and node pages with the right 502/504 origin, and
// controls (disable, rotate) update state, exit IP and audit without a reload. Each test has a
// lab pool of its own and tests it first (against the lab's IP echo, so exit IPs are known).
// Each test probes its own lab pool first: generous on a shared machine (steps wait for conditions).
test.describe.configure({ timeout: 120_000 });
test.use({ labOptions: { proxies: [...STANDARD_LAB_PROXIES, { name: "rotating", kind: "http", exitAddresses: ["127.0.3.1", "127.0.3.2", "127.0.3.3"] }] } });

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

async function overviewOf(page: Page, pool: LabPool) {
  await page.goto(`/?window=15m&poolId=${pool.id}`);
  await expect(page.getByLabel("Pool").locator("option:checked")).toHaveText(pool.name);
}

test("overview: 502 and 504 counts with the proxy as origin, offenders and the heat map", async ({ page, labPool }, testInfo) => {
  await testPoolNow(page, labPool, [labPool.targets.ipEcho]);
  await overviewOf(page, labPool);
  await expect(page.getByTestId("kpi-requests")).toHaveText("5");
  await expect(page.getByTestId("kpi-502")).toHaveText("1");
  await expect(page.getByTestId("kpi-504")).toHaveText("1");
  await expect(page.getByTestId("kpi-other")).toHaveText("1");
  await expect(page.getByTestId("kpi-success")).toHaveText("40.0%");
  const split = page.getByTestId("origin-split");
  await expect(split.locator('tr[data-origin="proxy"] td[data-cell="502"]')).toHaveText("1");
  await expect(split.locator('tr[data-origin="proxy"] td[data-cell="504"]')).toHaveText("1");
  // A refused connect: the node's host answered and nothing listens on the node's port — the node, not the network.
  await expect(split.locator('tr[data-origin="proxy"] td[data-cell="other"]')).toHaveText("1");
  await expect(split.locator('tr[data-origin="target"] td[data-cell="502"]')).toHaveText("0");
  await expect(page.getByTestId("top-nodes")).toContainText(`127.0.0.1:${labPool.lab.proxy("bad-gateway").port}`);
  await expect(page.getByTestId("stacked-class-chart")).toBeVisible();
  await expect(page.getByTestId("heat-map")).toBeVisible();
  await shot(page, testInfo, "overview-light");
  await page.getByRole("button", { name: /theme|dark/i }).first().click();
  await shot(page, testInfo, "overview-dark");
  await page.getByRole("button", { name: /theme|light/i }).first().click();

  // Live: a new result appears without a reload (polling ≤ 5 s).
  await openLabNode(page, labPool, "bad-gateway");
  await page.getByRole("button", { name: "Test now" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("checkbox", { name: new RegExp(escapeRegExp(labPool.targets.ipEcho.name)) }).check();
  await dialog.getByRole("button", { name: "Test 1 node" }).click();
  await expect(dialog.getByTestId("probe-run")).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await dialog.getByRole("button", { name: "Done" }).click();
  await overviewOf(page, labPool);
  await expect(page.getByTestId("kpi-502")).toHaveText("2");
});

test("node pages and the nodes table show health, the reason and the exit IP", async ({ page, labPool }, testInfo) => {
  await testPoolNow(page, labPool, [labPool.targets.ipEcho]);
  await openLabNode(page, labPool, "gateway-timeout");
  const health = page.getByRole("region", { name: "Health" });
  await expect(health).toContainText("504 rate");
  await expect(page.getByRole("table", { name: "Recent results" }).locator('tr[data-fault-class="proxy_504"]').first()).toBeVisible();
  await shot(page, testInfo, "node-detail");

  await page.goto(`/nodes?search=127.0.0.1`);
  // Exit IP is an extra column (off by default so the table fits 1440 px): switch it on in the picker.
  await page.getByRole("button", { name: "Columns" }).click();
  await page.getByRole("checkbox", { name: "Exit IP" }).check();
  const row = page.locator(`tr[data-node-id]`).filter({ hasText: `127.0.0.1:${labPool.lab.proxy("healthy").port}` });
  await expect(row.getByTestId("exit-ip")).not.toHaveText("—");
  await expect(row.getByTestId("last-result")).toContainText("ok");
  await shot(page, testInfo, "nodes-table");
});

test("disable and rotate a node: state, exit IP and audit update without a reload", async ({ page, labPool }, testInfo) => {
  await testPoolNow(page, labPool, [labPool.targets.ipEcho]);
  await openLabNode(page, labPool, "rotating");
  const health = page.getByRole("region", { name: "Health" });
  await expect(health.getByTestId("node-exit-ip")).toHaveText("127.0.3.1");

  await page.getByRole("button", { name: "Disable" }).click();
  await page.getByLabel("Reason (required)").fill("e2e: rotating it");
  await page.getByRole("dialog").getByRole("button", { name: "Disable 1 node" }).click();
  await expect(page.locator('[data-state="DISABLED"]').first()).toBeVisible();
  await expect(page.locator('li[data-action="node.disabled"]')).toBeVisible();

  await health.getByRole("button", { name: "Rotation URL…" }).click();
  await page.getByRole("textbox", { name: "Rotation URL" }).fill(`${labPool.lab.controlUrl}/rotate?proxy=rotating`);
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expect(health.getByRole("button", { name: "Rotate exit IP" })).toBeEnabled();
  await health.getByRole("button", { name: "Rotate exit IP" }).click();
  await expect(health.getByTestId("health-notice")).toHaveText("Exit IP changed from 127.0.3.1 to 127.0.3.2.", { timeout: 30_000 });
  await expect(health.getByTestId("node-exit-ip")).toHaveText("127.0.3.2");
  await expect(page.locator('li[data-action="node.rotated"]')).toBeVisible();
  await expect(page.locator('li[data-action="node.rotation_url_set"]')).toBeVisible();
  await shot(page, testInfo, "node-rotated");
});

test("automatic health ejects the failing nodes of a pool with a policy, and leaves the healthy one", async ({ page, labPool }, testInfo) => {
  await testPoolNow(page, labPool, [labPool.targets.ipEcho]);
  await overviewOf(page, labPool);
  const form = page.getByRole("form", { name: "Automatic health policy" });
  await form.getByLabel(/Eject failing nodes/).check();
  await form.getByLabel("Eject after failures in a row").fill("1");
  await form.getByRole("button", { name: "Save policy" }).click();
  await expect(form.getByText("Saved.")).toBeVisible();
  // New pools start under the default policy, which has judged the results so far: the stricter
  // policy acts on the next results.
  await testPoolNow(page, labPool, [labPool.targets.ipEcho]);

  await openLabNode(page, labPool, "bad-gateway");
  await expect(page.getByRole("region", { name: "Health" }).locator('[data-health="ejected"]')).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('[data-state="DISABLED"]').first()).toBeVisible();
  await expect(page.getByTestId("state-reason")).toContainText("auto: ");
  await expect(page.locator('li[data-action="node.auto_ejected"]')).toBeVisible();
  await shot(page, testInfo, "node-auto-ejected");

  await openLabNode(page, labPool, "healthy");
  await expect(page.locator('[data-state="ENABLED"]').first()).toBeVisible();
  await expect(page.locator('li[data-action="node.auto_ejected"]')).toHaveCount(0);

});
