import { escapeRegExp, expect, openLabNode, STANDARD_LAB_PROXIES, test, uniqueName } from "./fixtures";

// Real proxies with known faults (the fault lab, on 127.0.0.1) tested from the UI: the operator
// sees which node failed and how, and can cancel a run that hangs. Each test has its own lab.

// Each test probes its own lab pool first: generous on a shared machine (steps wait for conditions).
test.describe.configure({ timeout: 120_000 });
test.describe("set-up in the UI", () => {
  test("add a target (a bad URL is refused), a pool, and import lab proxies into it", async ({ page, lab }) => {
    const pool = uniqueName("probing");
    await page.goto("/targets");
    const form = page.getByRole("form", { name: "Add target" });
    await form.getByLabel("URL").fill("file:///etc/passwd");
    await form.getByRole("button", { name: "Add target" }).click();
    await expect(form.getByText("Only http and https URLs can be probed, not file:.")).toBeVisible();
    await form.getByLabel("URL").fill(`${lab.httpTarget.baseUrl}/ok`);
    await form.getByLabel("Name").fill(`${pool} ok page`);
    await form.getByRole("button", { name: "Add target" }).click();
    await expect(page.getByRole("table", { name: "Probe targets" })).toContainText(`${pool} ok page`);

    await page.goto("/pools");
    await page.getByRole("button", { name: "New pool" }).click();
    await page.getByLabel("Name").fill(pool);
    await page.getByRole("button", { name: "Create pool" }).click();
    await expect(page.getByRole("link", { name: pool })).toBeVisible();

    await page.goto("/nodes");
    await page.getByRole("button", { name: "Import…" }).click();
    await page.getByRole("textbox", { name: "Proxy list" }).fill(lab.proxies.map((proxy) => proxy.url).join("\n"));
    await page.getByLabel("Add to pool").selectOption({ label: pool });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect(page.getByTestId("import-added")).toHaveText(String(lab.proxies.length));
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByLabel("Pool").selectOption({ label: pool });
    await expect(page.getByTestId("node-total")).toHaveText(`${lab.proxies.length} nodes`);
  });
});

test.describe("a pool with an http and a SOCKS5 proxy per outcome", () => {
  test.use({ labOptions: { proxies: [...STANDARD_LAB_PROXIES, { name: "socks", kind: "socks5" }] } });

  test("test the pool now: each node's fault class, then the node's own history", async ({ page, labPool }) => {
    await page.goto("/pools");
    await page.getByRole("row").filter({ hasText: labPool.name }).getByRole("button", { name: "Test now" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("checkbox", { name: new RegExp(escapeRegExp(labPool.targets.http.name)) }).check();
    await dialog.getByRole("button", { name: "Test 5 nodes" }).click();
    const run = dialog.getByTestId("probe-run");
    await expect(run).toHaveAttribute("data-status", "done", { timeout: 30_000 });
    await expect(run.getByRole("status")).toHaveText("5 of 5 checks — done");
    const byClass = dialog.getByRole("list", { name: "Results by fault class" });
    await expect(byClass.locator('li[data-fault-class="ok"]')).toContainText("2");
    await expect(byClass.locator('li[data-fault-class="proxy_502"]')).toContainText("1");
    await expect(byClass.locator('li[data-fault-class="proxy_504"]')).toContainText("1");
    await expect(byClass.locator('li[data-fault-class="proxy_unreachable"]')).toContainText("1");
    await dialog.getByRole("button", { name: "Done" }).click();

    await openLabNode(page, labPool, "bad-gateway");
    const results = page.getByRole("table", { name: "Recent results" });
    await expect(results.locator('tr[data-fault-class="proxy_502"]').first()).toContainText("502");
    await expect(results).toContainText("bad-gateway");
  });
});

test.describe("a pool with a proxy that hangs", () => {
  test.use({ labOptions: { proxies: [{ name: "hang", kind: "socks5", behaviour: { kind: "hang" } }] } });

  test("cancel a run stuck on a hanging proxy", async ({ page, labPool }) => {
    await openLabNode(page, labPool, "hang");
    await page.getByRole("button", { name: "Test now" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("checkbox", { name: new RegExp(escapeRegExp(labPool.targets.http.name)) }).check();
    await dialog.getByRole("button", { name: "Test 1 node" }).click();
    const run = dialog.getByTestId("probe-run");
    await expect(run).toHaveAttribute("data-status", "running");
    await dialog.getByRole("button", { name: "Cancel run" }).click();
    await expect(run).toHaveAttribute("data-status", "cancelled");
  });
});
