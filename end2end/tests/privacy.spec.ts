import { Page } from "@playwright/test";
import { test, expect, open, signIn, uniqueEmail, uniquePhone, phoneSuffix, Role } from "./fixtures";

/** As admin, adds a customer through the form and returns their email. */
async function addCustomer(page: Page, javaScriptEnabled: boolean, name: string): Promise<string> {
  await signIn(page, "admin");
  await open(page, "/customers", javaScriptEnabled);
  const email = uniqueEmail("pii");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Phone").fill(uniquePhone());
  await page.getByRole("button", { name: "Add customer" }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toBeVisible();
  return email;
}

/** Searches the customers list for `email` and opens the one result. */
async function openCustomer(page: Page, javaScriptEnabled: boolean, email: string): Promise<void> {
  await open(page, `/customers?q=${encodeURIComponent(email)}`, javaScriptEnabled);
  await expect(page.getByTestId("customers-count")).toContainText("1 of 1");
  await page.getByTestId("customers-table").getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: "Event timeline" })).toBeVisible();
}

const sectionsOf: Record<Role, string[]> = {
  admin: ["Dashboard", "Customers", "Segments", "Campaigns", "Live", "Catalog", "Settings"],
  marketer: ["Dashboard", "Customers", "Segments", "Campaigns", "Live", "Catalog", "Settings"],
  analyst: ["Dashboard", "Customers", "Segments", "Campaigns", "Live", "Catalog", "Settings"],
  support: ["Dashboard", "Customers", "Live"],
};

test("each role signs in, sees only its sections, is turned away from the rest, and signs out", async ({ page }) => {
  for (const role of Object.keys(sectionsOf) as Role[]) {
    await signIn(page, role);
    const links = page.getByRole("navigation", { name: "Main" }).getByRole("list").getByRole("link");
    await expect(links).toHaveText(sectionsOf[role]);
    await page.goto("/settings/users");
    if (role === "admin") {
      await expect(page.getByTestId("users-table")).toContainText("support@e2e.test");
    } else {
      await expect(page.getByTestId("forbidden")).toBeVisible();
    }
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in to enrich" })).toBeVisible();
  }
  await page.goto("/customers");
  await expect(page).toHaveURL(/\/login\?next=%2Fcustomers$/);
});

test("a wrong password is refused with a message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("analyst@e2e.test");
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("That email and password do not match an account.");
});

test("an analyst sees the customer masked; support reveals the email after giving a reason", async ({ page, javaScriptEnabled }) => {
  const email = await addCustomer(page, javaScriptEnabled, "Reva Masked");

  await signIn(page, "analyst");
  await openCustomer(page, javaScriptEnabled, email);
  await expect(page.getByTestId("customer-name")).toHaveText("R*** M***");
  await expect(page.getByTestId("fact-email")).toContainText("p***@e***.com");
  await expect(page.getByTestId("fact-phone")).toContainText(`+82 10-****-${phoneSuffix}`);
  expect(await page.content()).not.toContain(email);
  await expect(page.getByRole("button", { name: /Reveal/ })).toHaveCount(0);

  // The analyst sees marketing data; support does not (as on the live feed).
  await expect(page.getByTestId("customer-segments")).toBeVisible();
  await expect(page.getByTestId("customer-campaigns")).toBeVisible();

  await signIn(page, "support");
  await open(page, "/", javaScriptEnabled);
  await expect(page.getByTestId("kpi-profiles")).toBeVisible();
  await expect(page.getByTestId("kpi-segments")).toHaveCount(0);
  await openCustomer(page, javaScriptEnabled, email);
  await expect(page.getByTestId("customer-segments")).toHaveCount(0);
  await expect(page.getByTestId("customer-campaigns")).toHaveCount(0);
  await expect(page.getByTestId("fact-email")).not.toContainText(email);
  await page.getByTestId("fact-email").getByText("Reveal", { exact: true }).click();
  await page.getByTestId("fact-email").getByLabel("Why do you need to see it?").fill("Ticket 77: customer asked which email we hold");
  await page.getByTestId("fact-email").getByRole("button", { name: "Reveal and log" }).click();
  await expect(page.getByTestId("fact-email")).toContainText(email);
  await expect(page.getByTestId("fact-email")).toContainText("revealed");
  await expect(page.getByTestId("customer-name")).toHaveText("R*** M***");
});

test("an admin sees everything, changes consent, and deletes the customer", async ({ page, javaScriptEnabled }) => {
  const email = await addCustomer(page, javaScriptEnabled, "Dora Delete");
  await openCustomer(page, javaScriptEnabled, email);
  await expect(page.getByTestId("fact-email")).toContainText(email);
  await expect(page.getByTestId("export")).toHaveAttribute("href", /\/customers\/[0-9a-f]{24}\/export$/);

  const consent = page.getByTestId("consent-email_marketing");
  await expect(consent).toContainText("not stated");
  await consent.getByRole("button", { name: "Grant Email marketing" }).click();
  await expect(page.getByTestId("consent-email_marketing")).toContainText("granted");
  await expect(page.getByTestId("consent-email_marketing")).toContainText("manual");

  await page.getByLabel(/Type DELETE to forget this person/).fill("DELETE");
  await page.getByRole("button", { name: "Delete customer" }).click();
  await expect(page).toHaveURL(/\/customers\?deleted=1$/);
  await expect(page.getByTestId("deleted")).toBeVisible();
  await open(page, `/customers?q=${encodeURIComponent(email)}`, javaScriptEnabled);
  await expect(page.getByTestId("customers-empty")).toContainText("No customers match");
});
