import { expect, type Page } from "@playwright/test";

/** The first admin the e2e run creates through /setup (override with E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD). */
export const E2E_ADMIN = {
  email: process.env.E2E_ADMIN_EMAIL ?? "admin@e2e.test",
  password: process.env.E2E_ADMIN_PASSWORD ?? "e2e admin password 1",
};

/** Signs in through the login page and waits until the app has left /login. */
export async function signIn(page: Page, email: string, password: string, next = "/settings"): Promise<void> {
  await page.context().clearCookies(); // the login page sends a signed-in visitor straight on
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/**
 * Makes sure the first admin exists (creating it through /setup on an empty database) and signs
 * the page in as that admin. Use in a beforeEach of any spec that needs a signed-in operator.
 */
export async function signInAsAdmin(page: Page, next = "/settings"): Promise<void> {
  await page.goto("/setup");
  if (new URL(page.url()).pathname === "/setup") {
    await page.getByLabel("Admin e-mail address").fill(E2E_ADMIN.email);
    await page.getByLabel(/^Password \(at least/).fill(E2E_ADMIN.password);
    await page.getByLabel("Repeat the password").fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page).not.toHaveURL(/\/setup/);
    await page.goto(next); // setup signed the new admin in
    return;
  }
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password, next);
}

export async function signOut(page: Page): Promise<void> {
  await page.goto("/settings");
  await page.getByRole("main").getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}
