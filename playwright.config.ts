import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { E2E_GATEWAY_PORT, E2E_WEB_PORT } from "./e2e/support/ports";

// Lab ports are handed out once per run (lib/net/free-port.ts): tests share the e2e database, and a
// node an earlier test imported keeps its lab proxy's port (set once here, inherited by the workers).
process.env.SWITCHYARD_TEST_PORT_REGISTRY ??= mkdtempSync(path.join(tmpdir(), "switchyard-e2e-ports-"));

// e2e runs against the production build on a throw-away embedded PostgreSQL (scripts/e2e-server.sh),
// in the Chromium that scripts/ensure-chromium.sh installs from Debian (Playwright's download is offline-blocked).
const port = E2E_WEB_PORT;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: `bash scripts/e2e-server.sh ${port} ${E2E_GATEWAY_PORT}`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
  },
});
