import { expect, test, type Page } from "@playwright/test";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { signInAsAdmin } from "./support/auth";

// Diagnose from the UI, self-contained: its own lab, target, pool and nodes. A lab node that
// answers 504 (a gateway whose exit never answers) beside a healthy one: Diagnose from a heat-map
// cell and from the node page shows the checklist and the verdict; applying the recommended
// action disables the node, and the diagnosis sits on the node's timeline.
test.describe.configure({ mode: "serial" });

let lab: FaultLab;
const POOL = `diagnose-e2e-${Date.now() % 100_000}`;
const TARGET = `diag ok ${POOL}`;

test.beforeAll(async () => {
  lab = await startFaultLab({
    upstreamTimeoutMs: 800,
    proxies: [
      { name: "healthy", kind: "http" },
      { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
    ],
  });
});
test.afterAll(() => lab?.close());
test.beforeEach(async ({ page }) => signInAsAdmin(page, "/"));

const proxyLine = (name: string) => `http://127.0.0.1:${lab.proxy(name).port}`;

async function expectVerdict(page: Page) {
  await expect(page).toHaveURL(/\/diagnoses\/[0-9a-f-]{36}$/);
  // Live progress: the steps fill in as they run, then the verdict.
  await expect(page.locator('li[data-step="resolve"]')).toHaveAttribute("data-status", "ok");
  const verdict = page.getByTestId("verdict");
  await expect(verdict).toBeVisible({ timeout: 30_000 });
  await expect(verdict).toHaveAttribute("data-failing-hop", "proxy_upstream");
  await expect(page.getByTestId("verdict-headline")).toContainText("This node fails the target (proxy_504), yet through");
  await expect(page.locator('li[data-step="target"]')).toHaveAttribute("data-status", "failed");
  await expect(page.locator('li[data-step="control"]')).toHaveAttribute("data-status", "ok");
  await expect(page.locator('li[data-step="control"]').getByTestId("step-summary")).toContainText("the target answers 200 through");
  return verdict;
}

test("set up a target and a pool with a healthy node and one that answers 504, and test it", async ({ page }) => {
  await page.goto("/targets");
  const form = page.getByRole("form", { name: "Add target" });
  await form.getByLabel("URL").fill(`${lab.httpTarget.baseUrl}/ok`);
  await form.getByLabel("Name").fill(TARGET);
  await form.getByRole("button", { name: "Add target" }).click();
  await expect(page.getByRole("table", { name: "Probe targets" })).toContainText(TARGET);

  await page.goto("/pools");
  await page.getByRole("button", { name: "New pool" }).click();
  await page.getByLabel("Name").fill(POOL);
  await page.getByRole("button", { name: "Create pool" }).click();
  await expect(page.getByRole("link", { name: POOL })).toBeVisible();

  await page.goto("/nodes");
  await page.getByRole("button", { name: "Import…" }).click();
  await page.getByRole("textbox", { name: "Proxy list" }).fill(["healthy", "gateway-timeout"].map(proxyLine).join("\n"));
  await page.getByLabel("Add to pool").selectOption({ label: POOL });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-added")).toHaveText("2");
  await page.getByRole("button", { name: "Done" }).click();

  await page.goto("/pools");
  await page.getByRole("row").filter({ hasText: POOL }).getByRole("button", { name: "Test now" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("checkbox", { name: new RegExp(TARGET) }).check();
  await dialog.getByRole("button", { name: "Test 2 nodes" }).click();
  await expect(dialog.getByTestId("probe-run")).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await dialog.getByRole("button", { name: "Done" }).click();
});

test("Diagnose from the heat-map cell of the failing node × target", async ({ page }) => {
  await page.goto("/?window=15m");
  await page.getByLabel("Pool").selectOption({ label: POOL });
  await expect(page.getByTestId("heat-map")).toBeVisible();
  await page.getByRole("button", { name: new RegExp(`^Diagnose \\S*127\\.0\\.0\\.1:${lab.proxy("gateway-timeout").port} on `) }).click();
  await expectVerdict(page);
});

test("Diagnose from the node page, apply the recommended action: the node is disabled and the diagnosis is on its timeline", async ({ page }) => {
  await page.goto(`/nodes?search=${lab.proxy("gateway-timeout").port}`);
  await page.getByRole("link", { name: proxyLine("gateway-timeout") }).click();
  await expect(page.getByRole("region", { name: "Health" })).toBeVisible();
  await page.getByRole("button", { name: "Diagnose" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Target").selectOption({ label: `${TARGET} — ${lab.httpTarget.baseUrl}/ok` });
  await dialog.getByRole("button", { name: "Diagnose" }).click();

  const verdict = await expectVerdict(page);
  await verdict.getByRole("button", { name: "Disable this node" }).click();
  await expect(page.getByTestId("action-outcome")).toContainText("Node disabled.");

  await page.getByRole("link", { name: "← Node" }).click();
  await expect(page.locator('[data-state="DISABLED"]').first()).toBeVisible();
  await expect(page.getByTestId("state-reason")).toContainText("Diagnose: This node fails the target (proxy_504)");
  const diagnosed = page.locator('li[data-action="node.diagnosed"]').first();
  await expect(diagnosed).toBeVisible();
  await expect(page.locator('li[data-action="node.disabled"]')).toBeVisible();
  await diagnosed.getByTestId("diagnosis-link").click();
  await expect(page.getByTestId("action-outcome")).toContainText("Node disabled.");
});
