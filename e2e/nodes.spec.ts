import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

// What an operator does on the nodes page: add, import, filter, disable, reload, and a 10,000-node
// fleet. Each test stores the nodes it needs itself, under addresses and tags of its own.
let subnet = 0;
/** A /24 in 10.0.0.0/8 and a tag no other test (or earlier run on the same database) uses. */
function freshNet() {
  const n = ((Date.now() & 0xffff) * 16 + subnet++) % (250 * 250);
  return { net: `10.${(n % 250) + 1}.${Math.floor(n / 250) % 250}`, tag: `e2e-${Date.now().toString(36)}-${subnet}` };
}

async function importThroughApi(api: APIRequestContext, lines: string[], tags: string[]) {
  const response = await api.post("/api/v1/nodes/import", { data: { text: lines.join("\n"), tags } });
  expect(response.status(), await response.text()).toBe(200);
  expect((await response.json()).added).toBe(lines.length);
}

async function openNodes(page: Page, query = "") {
  await page.goto(`/nodes${query}`);
  await expect(page.getByRole("heading", { name: "Nodes" })).toBeVisible();
}

test("add a node with credentials; the password is never shown", async ({ page }) => {
  const { net, tag } = freshNet();
  await openNodes(page);
  await page.getByRole("button", { name: "Add node" }).click();
  const form = page.getByRole("form", { name: "Add node" });
  await form.getByLabel("Scheme").selectOption("socks5");
  await form.getByLabel("Host").fill(`${net}.1`);
  await form.getByLabel("Port").fill("70000");
  await form.getByRole("button", { name: "Add node" }).click();
  await expect(form.getByText("Port 70000 is out of range (1–65535).")).toBeVisible();
  await form.getByLabel("Port").fill("1080");
  await form.getByLabel("User name (optional)").fill("operator7");
  await form.getByLabel("Password (optional)").fill("s3cret-pass");
  await form.getByLabel("Label").fill(tag);
  await form.getByRole("button", { name: "Add node" }).click();
  await expect(form).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: tag });
  await expect(row).toContainText(`socks5://ope***:****@${net}.1:1080`);
  await expect(page.locator("body")).not.toContainText("s3cret-pass");
  await expect(page.locator("body")).not.toContainText("operator7");

  // Revealing it is possible for an admin (only), on purpose, and leaves an audit event.
  await row.getByRole("link").click();
  await page.getByRole("button", { name: "reveal (audited)" }).click();
  await expect(page.getByTestId("revealed-password")).toHaveText("s3cret-pass");
  await expect(page.getByRole("list", { name: "Audit events" }).locator('[data-action="node.password_revealed"]')).toBeVisible();
});

test("bulk-import a mixed list and read the per-line report", async ({ page }) => {
  const { net, tag } = freshNet();
  await openNodes(page);
  await page.getByRole("button", { name: "Import…" }).click();
  const lines = [
    `${net}.10:8080`,
    `${net}.11:3128:alice:pw1`,
    `bob:pw2@${net}.12:8000`,
    `socks5://carol:pw3@${net}.13:1080`,
    `${net}.14:0`,
    `gopher://${net}.15:70`,
    `${net}.10:8080`,
    `not a proxy`,
  ];
  await page.getByRole("textbox", { name: "Proxy list" }).fill(lines.join("\n"));
  await page.getByLabel("Tags for new nodes").fill(tag);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const report = page.getByTestId("import-report");
  await expect(report).toBeVisible();
  await expect(page.getByTestId("import-added")).toHaveText("4");
  await expect(page.getByTestId("import-duplicate")).toHaveText("1");
  await expect(page.getByTestId("import-invalid")).toHaveText("3");
  await expect(report.locator('[data-line="5"]')).toContainText("port: Port 0 is out of range");
  await expect(report.locator('[data-line="6"]')).toContainText('Unknown scheme "gopher"');
  await expect(report.locator('[data-line="7"]')).toContainText("Same node as line 1.");
  await expect(report.locator('[data-line="8"]')).toHaveAttribute("data-status", "invalid");
  await expect(report).not.toContainText("pw1");
  await page.getByRole("button", { name: "Done" }).click();
});

test("filter by tag, state and search", async ({ page, api }) => {
  const { net, tag } = freshNet();
  await importThroughApi(api, [`${net}.10:8080`, `${net}.11:3128:alice:pw1`, `bob:pw2@${net}.12:8000`, `socks5://carol:pw3@${net}.13:1080`], [tag]);
  await openNodes(page, `?tag=${tag}`);
  await expect(page.getByTestId("node-total")).toHaveText("4 nodes");
  await page.getByLabel("Search nodes").fill(`${net}.12`);
  await expect(page.getByTestId("node-total")).toHaveText("1 node");
  await expect(page.getByRole("row").filter({ hasText: `${net}.12:8000` })).toBeVisible();
  await page.getByLabel("Search nodes").fill("");
  await page.getByLabel("Scheme").selectOption("socks5");
  await expect(page.getByTestId("node-total")).toHaveText("1 node");
  await expect(page.getByRole("row").filter({ hasText: `${net}.13:1080` })).toBeVisible();
});

test("disable a node with a reason, see its state and audit entry, and everything survives a reload", async ({ page, api }) => {
  const { net, tag } = freshNet();
  await importThroughApi(api, [`${net}.10:8080`, `${net}.11:3128`], [tag]);
  await openNodes(page, `?search=${net}.11`);
  await expect(page.getByTestId("node-total")).toHaveText("1 node");
  await page.getByRole("checkbox", { name: `Select ${net}.11:3128` }).check();
  await page.getByRole("button", { name: "Disable" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Disable 1 node" }).click();
  await expect(dialog.getByText("Say why the node is disabled.")).toBeVisible();
  await dialog.getByLabel("Reason (required)").fill("502 storm from this exit");
  await dialog.getByRole("button", { name: "Disable 1 node" }).click();
  await expect(page.getByRole("status")).toContainText("1 node changed");
  const row = page.getByRole("row").filter({ hasText: `${net}.11:3128` });
  await expect(row.locator("[data-state]")).toHaveAttribute("data-state", "DISABLED");

  await row.getByRole("link").click();
  await expect(page.getByTestId("state-reason")).toContainText("502 storm from this exit");
  const audit = page.getByRole("list", { name: "Audit events" });
  await expect(audit.locator('[data-action="node.disabled"]')).toContainText("enabled → disabled");
  await expect(audit.locator('[data-action="node.disabled"]')).toContainText("502 storm from this exit");

  await page.reload();
  await expect(page.getByTestId("state-reason")).toContainText("502 storm from this exit");
  await openNodes(page, `?tag=${tag}&state=DISABLED`);
  await expect(page.getByTestId("node-total")).toHaveText("1 node");
  await openNodes(page, `?tag=${tag}&state=ENABLED`);
  await expect(page.getByRole("row").filter({ hasText: `${net}.10:8080` })).toBeVisible();
});

test("upload a 10,000-line list; the table still pages, sorts and filters", async ({ page }) => {
  test.slow(); // 10,000 nodes through the browser: three times the usual time on a shared machine
  // A 172.x/16 of its own (172.16–31, picked by the clock) for the 10,000 addresses.
  const b = 16 + (Math.floor(Date.now() / 1000) % 16);
  const { tag } = freshNet();
  const lines = Array.from({ length: 10_000 }, (_, i) => `172.${b}.${(i >> 8) & 255}.${i & 255}:${3000 + (i % 1000)}`);
  await openNodes(page);
  await page.getByRole("button", { name: "Import…" }).click();
  await page.getByLabel("Upload a list file").setInputFiles({ name: "fleet.txt", mimeType: "text/plain", buffer: Buffer.from(lines.join("\n")) });
  await expect(page.getByText("10000 lines")).toBeVisible();
  await page.getByLabel("Tags for new nodes").fill(tag);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-added")).toHaveText("10000", { timeout: 30_000 });
  await page.getByRole("button", { name: "Done" }).click();

  await openNodes(page, `?tag=${tag}&pageSize=250&sort=host&direction=asc`);
  await expect(page.getByTestId("node-total")).toHaveText("10000 nodes");
  await expect(page.getByText("Page 1 of 40")).toBeVisible();
  await expect(page.locator("tbody tr")).toHaveCount(250);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Page 2 of 40")).toBeVisible();
  await page.getByLabel("Search nodes").fill(`172.${b}.39.15`);
  await expect(page.getByTestId("node-total")).toHaveText("1 node");

  // A selection across pages: "select all matching" acts on every filtered node at once.
  await openNodes(page, `?tag=${tag}&search=172.${b}.1.`);
  await expect(page.getByTestId("node-total")).toHaveText(/^\d+ nodes$/);
  const matching = Number((await page.getByTestId("node-total").textContent())?.split(" ")[0]);
  expect(matching).toBeGreaterThan(50);
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await page.getByRole("button", { name: /Select all \d+ matching/ }).click();
  await expect(page.getByTestId("selection-count")).toContainText("All");
  await page.getByRole("button", { name: "Drain" }).click();
  await page.getByRole("dialog").getByRole("button", { name: /Drain \d+ nodes/ }).click();
  await expect(page.getByRole("status")).toContainText("nodes changed");
  await openNodes(page, `?tag=${tag}&state=DRAINING`);
  await expect(page.getByTestId("node-total")).toHaveText(`${matching} nodes`);
});
