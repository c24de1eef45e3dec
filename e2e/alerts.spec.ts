import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";

// Alerts page in a real browser: an admin adds a webhook channel pointing at a receiver on
// 127.0.0.1, presses "Send test" and sees the receiver's answer; bad input names the field.
const RUN = Date.now().toString(36);
const bodies: string[] = [];
let receiver: Server;
let hookUrl: string;

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

test.afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

test("an admin adds a webhook channel and sends a test notification", async ({ page }) => {
  await page.goto("/settings/alerts");
  await expect(page.getByRole("heading", { name: "Alerts" })).toBeVisible();

  await page.getByLabel("Name").first().fill(`bad-${RUN}`);
  await page.getByLabel("URL").fill("ftp://127.0.0.1/hook");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("http:// or https://");

  await page.getByLabel("Name").first().fill(`hook-${RUN}`);
  await page.getByLabel("URL").fill(hookUrl);
  await page.getByLabel("Signing secret (optional)").fill("e2e secret");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByText(`Channel "hook-${RUN}" created`)).toBeVisible();

  const row = page.getByRole("row", { name: new RegExp(`hook-${RUN}`) });
  await expect(row).toContainText("yes"); // signed
  await row.getByRole("button", { name: "Send test" }).click();
  await expect(row.getByRole("status")).toHaveText("Delivered (HTTP 204).");
  expect(bodies.map((body) => JSON.parse(body).event)).toEqual(["test"]);
});
