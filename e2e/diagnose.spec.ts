import { expect, openLabNode, test, testPoolNow, type LabPool } from "./fixtures";
import type { Page } from "@playwright/test";

// Diagnose from the UI. Each test has its own lab pool (fixtures.ts): a lab node that answers 504
// (a gateway whose exit never answers) beside a healthy one. Diagnose from a heat-map cell and from
// the node page shows the checklist and the verdict; applying the recommended action disables the
// node, and the diagnosis sits on the node's timeline.
test.use({
  labOptions: {
    proxies: [
      { name: "healthy", kind: "http" },
      { name: "gateway-timeout", kind: "http", behaviour: { kind: "gateway_timeout" } },
    ],
  },
});
// Each test sets up its own lab pool first: generous on a shared machine (steps wait for conditions).
test.describe.configure({ timeout: 120_000 });

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

const diagnoseButton = (labPool: LabPool) => new RegExp(`^Diagnose \\S*127\\.0\\.0\\.1:${labPool.lab.proxy("gateway-timeout").port} on `);

test("Diagnose from the heat-map cell of the failing node × target", async ({ page, labPool }) => {
  await testPoolNow(page, labPool);
  await page.goto("/?window=15m");
  await page.getByLabel("Pool").selectOption({ label: labPool.name });
  await expect(page.getByTestId("heat-map")).toBeVisible();
  await page.getByRole("button", { name: diagnoseButton(labPool) }).click();
  await expectVerdict(page);
});

test("Diagnose from the node page, apply the recommended action: the node is disabled and the diagnosis is on its timeline", async ({ page, labPool }) => {
  await openLabNode(page, labPool, "gateway-timeout");
  await page.getByRole("button", { name: "Diagnose" }).click();
  const dialog = page.getByRole("dialog");
  const target = labPool.targets.http;
  await dialog.getByLabel("Target").selectOption({ label: `${target.name} — ${target.url}` });
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
