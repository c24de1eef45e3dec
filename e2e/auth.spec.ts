import { E2E_ADMIN, expect, test } from "./fixtures";
import { signIn, signInAsAdmin, signOut } from "./support/auth";

// Accounts end to end, in order: first-run setup, sign-in/out, a viewer kept away from admin
// controls (hidden in the UI and refused by the server action), API key shown once and revoked,
// security headers with a CSP that still lets the app hydrate and the inline theme script run.
// Pages start signed out here. The first test creates the first admin through /setup when the
// database is empty (run this spec first on a fresh database to see that path); every other test
// makes sure the admin exists (the `adminStorageState` fixture) and runs on its own.
test.use({ storageState: { cookies: [], origins: [] } });

const RUN = Date.now().toString(36);

test("first run: every page leads to /setup, which creates the admin and then closes", async ({ page }) => {
  await page.goto("/nodes");
  const path = new URL(page.url()).pathname;
  if (path === "/setup") {
    await expect(page.getByRole("heading", { name: "Welcome to Switchyard" })).toBeVisible();
    // A mismatch is caught before anything is stored.
    await page.getByLabel("Admin e-mail address").fill(E2E_ADMIN.email);
    await page.getByLabel(/^Password \(at least/).fill(E2E_ADMIN.password);
    await page.getByLabel("Repeat the password").fill(`${E2E_ADMIN.password}x`);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toContainText("do not match");
    // React resets the form after an action; fill it again.
    await page.getByLabel("Admin e-mail address").fill(E2E_ADMIN.email);
    await page.getByLabel(/^Password \(at least/).fill(E2E_ADMIN.password);
    await page.getByLabel("Repeat the password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page).not.toHaveURL(/\/(setup|login)/);
  } else {
    expect(path).toBe("/login"); // an account exists already: setup is not offered
  }
  // Setup is closed now, signed in or not.
  await page.context().clearCookies();
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login/);
});

test("sign in and sign out", async ({ page, adminStorageState }) => {
  expect(adminStorageState).toBeTruthy(); // the admin exists
  await page.goto("/settings/users");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fusers/);
  await page.getByLabel("E-mail address").fill(E2E_ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong e-mail address or password.");

  await page.getByLabel("E-mail address").fill(E2E_ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/users$/);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  const cookie = (await page.context().cookies()).find((c) => c.name.endsWith("switchyard_session"));
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Lax");

  await signOut(page);
  await page.goto("/settings/users");
  await expect(page).toHaveURL(/\/login/);
});

test("an admin creates a viewer, who can neither see nor use admin controls", async ({ page, browser }) => {
  const VIEWER = { email: `viewer-${Date.now().toString(36)}@e2e.test`, password: "viewer password 123" };
  await signInAsAdmin(page, "/settings/users");
  await page.goto("/settings/users");
  await page.getByLabel("E-mail address").fill(VIEWER.email);
  await page.getByLabel(/^Initial password/).fill(VIEWER.password);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText(`Created ${VIEWER.email} (viewer)`);
  await expect(page.getByRole("row").filter({ hasText: VIEWER.email })).toContainText("active");

  // The viewer sees no controls on admin pages.
  const viewerContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const viewer = await viewerContext.newPage();
  await signIn(viewer, VIEWER.email, VIEWER.password, "/settings/api-keys");
  await expect(viewer).toHaveURL(/\/settings\/api-keys$/);
  await expect(viewer.getByRole("main").getByRole("alert")).toContainText("needs the admin role");
  await expect(viewer.getByRole("button", { name: "Create key" })).toHaveCount(0);
  await viewer.goto("/settings/users");
  await expect(viewer.getByRole("button", { name: "Create user" })).toHaveCount(0);

  // And the server refuses the action even when the viewer submits the admin's form.
  const viewerCookies = await viewerContext.cookies();
  await page.goto("/settings/api-keys");
  await expect(page.getByLabel("Name")).toBeEnabled(); // hydrated: its own session check is done
  // The viewer's session cookie replaces the admin's in place (clearing first left a moment signed
  // out, and a session check then got 401).
  await page.context().addCookies(viewerCookies);
  await page.getByLabel("Name").fill(`sneaky-${RUN}`);
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("This needs the admin role.");
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await viewerContext.close();
});

test("an API key is shown once, listed by prefix, and revoked", async ({ page }) => {
  await signInAsAdmin(page, "/settings/api-keys");
  await page.goto("/settings/api-keys");
  const name = `e2e-key-${RUN}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Scope").selectOption("write");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toHaveText(/^sy_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
  const key = (await shown.textContent()) ?? "";
  const prefix = key.split("_")[1];

  await page.reload();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key);
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText(`sy_${prefix}_…`);
  await expect(row).toContainText("active");

  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
});

test("security headers are sent and the CSP lets the app (and its inline theme script) run", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => localStorage.setItem("theme", "dark"));
  const response = await page.goto("/login");
  const headers = response?.headers() ?? {};
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["permissions-policy"]).toContain("camera=()");
  await expect(page.locator("html")).toHaveClass(/dark/);
  // Hydrated: the form's server action answers in place.
  await page.getByLabel("E-mail address").fill(E2E_ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong e-mail address or password.");
  await expect(page.getByLabel("E-mail address")).toHaveValue(E2E_ADMIN.email);
  await signInAsAdmin(page, "/settings/users");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  expect(violations).toEqual([]);
});
