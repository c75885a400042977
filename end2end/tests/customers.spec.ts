import { test, expect, open, uniqueEmail, uniquePhone, signIn } from "./fixtures";

test.beforeEach(async ({ page }) => signIn(page, "admin"));

test.describe("Customers", () => {
  test("adding a customer lists it, and it is still there after a reload", async ({ page, javaScriptEnabled }) => {
    await open(page, "/customers", javaScriptEnabled);
    const email = uniqueEmail("ana");
    await page.getByLabel("Name").fill("Ana Silva");
    await page.getByLabel("Email").fill(email.toUpperCase());
    await page.getByLabel("Phone").fill(uniquePhone());
    await page.getByRole("button", { name: "Add customer" }).click();

    const row = page.getByRole("row", { name: new RegExp(email) });
    await expect(row).toBeVisible();
    await expect(row).toContainText("Ana Silva");
    await expect(row).toContainText("never");
    if (javaScriptEnabled) {
      await expect(page.getByRole("status").filter({ hasText: "Added Ana Silva." })).toBeVisible();
      await expect(page.getByLabel("Email")).toHaveValue("");
    }

    await page.reload();
    await expect(page.getByRole("row", { name: new RegExp(email) })).toBeVisible();
  });

  test("invalid input shows a message on the field and adds nothing", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/customers\/add/, 400);
    await open(page, "/customers", javaScriptEnabled);
    await page.getByLabel("Name").fill("Bo Invalid");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByRole("button", { name: "Add customer" }).click();

    const email = page.getByLabel("Email");
    await expect(page.locator("#email-error")).toContainText("must be a valid email address");
    await expect(email).toHaveAttribute("aria-invalid", "true");
    await expect(email).toHaveAttribute("aria-describedby", "email-error");
    await expect(page.getByRole("row", { name: /Bo Invalid/ })).toHaveCount(0);
  });

  test("a second customer with the same email is refused on the email field", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/customers\/add/, 409);
    const email = uniqueEmail("dup");
    for (const name of ["First Owner", "Second Owner"]) {
      await open(page, "/customers", javaScriptEnabled);
      await page.getByLabel("Name").fill(name);
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Add customer" }).click();
      if (name === "First Owner") {
        await expect(page.getByRole("row", { name: new RegExp(email) })).toBeVisible();
      }
    }
    await expect(page.locator("#email-error")).toContainText("already exists");
    await expect(page.getByRole("row", { name: new RegExp(email) })).toHaveCount(1);
    await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("First Owner");
  });
});

test("a masked role pages the name-sorted list with opaque cursors that name no one", async ({ page, javaScriptEnabled }) => {
  // More than one page (50 rows) of customers whose names share a marker.
  const marker = `Pager${Date.now()}`;
  const headers = { accept: "application/json", origin: new URL(page.url()).origin };
  for (let n = 0; n < 51; n++) {
    const form = { name: `${marker} N${String(n).padStart(2, "0")}`, email: uniqueEmail(`pager${n}`) };
    expect((await page.request.post("/api/customers/add", { form, headers })).status()).toBe(200);
  }
  await signIn(page, "marketer");
  await open(page, "/customers?sort=name", javaScriptEnabled);
  await page.getByTestId("next-page").click();
  await expect(page).toHaveURL(/after=/);
  const after = new URL(page.url()).searchParams.get("after") ?? "";
  expect(after).toMatch(/^[a-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  expect(after.toLowerCase()).not.toContain(marker.toLowerCase());
  await expect(page.getByTestId("customers-table")).toBeVisible();
  await expect(page.getByRole("link", { name: "First page" })).toBeVisible();
});
