import { expect, test } from "@playwright/test";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { signInAsAdmin } from "./support/auth";

// Real proxies with known faults (the fault lab, on 127.0.0.1) tested from the UI: the operator
// sees which node failed and how, and can cancel a run that hangs.
test.describe.configure({ mode: "serial" });

let lab: FaultLab;
const POOL = `lab-e2e-${Date.now() % 100_000}`;

test.beforeAll(async () => {
  lab = await startFaultLab({
    upstreamTimeoutMs: 800,
    proxies: [
      { name: "healthy", kind: "http" },
      { name: "bad-gateway", kind: "http", behaviour: { kind: "bad_gateway" } },
      { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
      { name: "refuse", kind: "http", behaviour: { kind: "refuse" } },
      { name: "socks", kind: "socks5" },
      { name: "hang", kind: "socks5", behaviour: { kind: "hang" } },
    ],
  });
});
test.afterAll(() => lab?.close());
test.beforeEach(async ({ page }) => signInAsAdmin(page, "/targets"));

const proxyLine = (name: string) => {
  const proxy = lab.proxy(name);
  return `${proxy.kind}://127.0.0.1:${proxy.port}`;
};

test("set up a target and a pool of lab proxies", async ({ page }) => {
  await page.goto("/targets");
  const form = page.getByRole("form", { name: "Add target" });
  await form.getByLabel("URL").fill("file:///etc/passwd");
  await form.getByRole("button", { name: "Add target" }).click();
  await expect(form.getByText("Only http and https URLs can be probed, not file:.")).toBeVisible();
  await form.getByLabel("URL").fill(`${lab.httpTarget.baseUrl}/ok`);
  await form.getByLabel("Name").fill("lab ok page");
  await form.getByRole("button", { name: "Add target" }).click();
  await expect(page.getByRole("table", { name: "Probe targets" })).toContainText("lab ok page");

  await page.goto("/pools");
  await page.getByRole("button", { name: "New pool" }).click();
  await page.getByLabel("Name").fill(POOL);
  await page.getByRole("button", { name: "Create pool" }).click();
  await expect(page.getByRole("link", { name: POOL })).toBeVisible();

  await page.goto("/nodes");
  await page.getByRole("button", { name: "Import…" }).click();
  await page.getByRole("textbox", { name: "Proxy list" }).fill(["healthy", "bad-gateway", "gateway-timeout", "refuse", "socks"].map(proxyLine).join("\n"));
  await page.getByLabel("Add to pool").selectOption({ label: POOL });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-added")).toHaveText("5");
});

test("test the pool now: each node's fault class, then the node's own history", async ({ page }) => {
  await page.goto("/pools");
  await page.getByRole("row").filter({ hasText: POOL }).getByRole("button", { name: "Test now" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("checkbox", { name: /lab ok page/ }).check();
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

  const badGateway = lab.proxy("bad-gateway");
  await page.goto(`/nodes?search=${badGateway.port}`);
  await page.getByRole("link", { name: `http://127.0.0.1:${badGateway.port}` }).click();
  const results = page.getByRole("table", { name: "Recent results" });
  await expect(results.locator('tr[data-fault-class="proxy_502"]').first()).toContainText("502");
  await expect(results).toContainText("bad-gateway");
});

test("cancel a run stuck on a hanging proxy", async ({ page }) => {
  await page.goto("/nodes");
  await page.getByRole("button", { name: "Import…" }).click();
  await page.getByRole("textbox", { name: "Proxy list" }).fill(proxyLine("hang"));
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-added")).toHaveText("1");
  await page.getByRole("button", { name: "Done" }).click();

  const hang = lab.proxy("hang");
  await page.goto(`/nodes?search=${hang.port}`);
  await page.getByRole("link", { name: `socks5://127.0.0.1:${hang.port}` }).click();
  await page.getByRole("button", { name: "Test now" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("checkbox", { name: /lab ok page/ }).check();
  await dialog.getByRole("button", { name: "Test 1 node" }).click();
  const run = dialog.getByTestId("probe-run");
  await expect(run).toHaveAttribute("data-status", "running");
  await dialog.getByRole("button", { name: "Cancel run" }).click();
  await expect(run).toHaveAttribute("data-status", "cancelled");
});
