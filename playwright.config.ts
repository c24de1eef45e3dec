import { defineConfig } from "@playwright/test";
import { E2E_GATEWAY_PORT, E2E_WEB_PORT } from "./e2e/support/ports";

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
