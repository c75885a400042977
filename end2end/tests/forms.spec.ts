import { test, expect, open, uniqueEmail, signIn } from "./fixtures";

// Issue 16 item 9: every error at once, beside its field, in plain words; a notice after a save.
test.describe("Forms", () => {
  test.beforeEach(async ({ page }) => signIn(page, "admin"));

  test("item 9: adding a user shows every problem beside its field, then a success notice", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/users\/add/, 400);
    await open(page, "/settings/users", javaScriptEnabled);
    const form = page.locator("form", { has: page.getByRole("button", { name: "Add user" }) });
    await expect(form.getByLabel("Email")).toHaveAttribute("required", "");
    await expect(form.getByLabel("Email")).toHaveAttribute("maxlength", "254");
    await form.getByLabel("Initial password").fill("short");
    await page.getByRole("button", { name: "Add user" }).click();

    await expect(page.locator("#email-error")).toHaveText("Email is required");
    await expect(page.locator("#password-error")).toHaveText("Initial password must be at least 12 characters");
    await expect(form.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByTestId("form-error")).toHaveText("Please correct the 2 fields marked below.");

    const email = uniqueEmail("new-analyst");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Initial password").fill("a-long-enough-password");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByTestId("form-saved")).toHaveText("User added.");
    await expect(page.getByRole("row", { name: new RegExp(email) })).toBeVisible();
  });

  test("item 9: Add customer names every problem at once beside its field", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/customers\/add/, 400);
    await open(page, "/customers", javaScriptEnabled);
    await expect(page.getByLabel("Name")).toHaveAttribute("maxlength", "120");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Phone").fill("12ab");
    await page.getByRole("button", { name: "Add customer" }).click();
    await expect(page.locator("#name-error")).toHaveText("Name is required");
    await expect(page.locator("#email-error")).toHaveText("Email must be a valid email address like ana@example.com");
    await expect(page.locator("#phone-error")).toContainText("Phone must be 7 to 15 digits");
  });

  test("item 9: the product editor names every problem at once, by the row's label", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/catalog\/save/, 400);
    await open(page, "/catalog/new", javaScriptEnabled);
    if (javaScriptEnabled) await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
    await page.locator("#variant-0-price").fill("-1");
    await page.locator("#variant-0-display_color").fill("navy");
    await page.getByRole("button", { name: "Save product" }).click();
    await expect(page.locator("#variant-0-price-error")).toHaveText("Price of variant 1 must be 0 or more");
    await expect(page.locator("#variant-0-display_color-error")).toHaveText("Display colour of variant 1 must be a colour written #RRGGBB, e.g. #1a2b3c");
    await expect(page.locator("#variant-0-id-error")).toHaveText("SKU of variant 1 is required");
    await expect(page.getByText("Product id is required")).toBeVisible();
  });

  test("item 9: an empty source name says so in plain words", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/sources\/create/, 400);
    await open(page, "/settings", javaScriptEnabled);
    await page.getByRole("button", { name: "Create source" }).click();
    await expect(page.locator("#name-error")).toHaveText("Name is required");
    await expect(page.getByLabel("Name")).toHaveAttribute("maxlength", "60");
  });
});

// Issue 16 item 10: a role sees why it cannot act instead of failing after submitting.
test("item 10: analysts and marketers see why they cannot create sources, keys or traits", async ({ page, javaScriptEnabled }) => {
  for (const role of ["analyst", "marketer"] as const) {
    await signIn(page, role);
    await open(page, "/settings", javaScriptEnabled);
    await expect(page.getByRole("button", { name: "Create source" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^New key/ })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);
    await expect(page.getByTestId("role-note").first()).toContainText("Only admins can");
    await open(page, "/settings/computed", javaScriptEnabled);
    await expect(page.getByRole("button", { name: "Create and back-fill" })).toHaveCount(0);
    await expect(page.getByTestId("role-note").first()).toContainText("Only admins can");
    await page.getByRole("button", { name: "Sign out" }).click();
    // The next sign-in loads /login itself: wait for the sign-out's own load of it first.
    await expect(page.getByRole("heading", { name: "Sign in to enrich" })).toBeVisible();
  }
});

test("item 10: an analyst sees why segments, campaigns, customers and channels offer no actions", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "analyst");
  const notes: [string, RegExp, string][] = [
    ["/segments", /^New segment$/, "Only admins and marketers can create or change segments"],
    ["/campaigns", /^New campaign$/, "Only admins and marketers can create or change segments and campaigns"],
    ["/customers", /^Add customer$/, "Only admins and support can add customers"],
    ["/settings/channels", /^Save/, "Only admins can change channel settings"],
  ];
  for (const [path, action, reason] of notes) {
    await open(page, path, javaScriptEnabled);
    await expect(page.getByRole("button", { name: action })).toHaveCount(0);
    await expect(page.getByRole("link", { name: action })).toHaveCount(0);
    await expect(page.getByTestId("role-note").first()).toContainText(reason);
  }
  await open(page, "/", javaScriptEnabled);
  await expect(page.getByRole("button", { name: "Load demo data" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Build one" })).toHaveCount(0);
});

test("item 10: support changes consent only with a reason", async ({ page, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/api\/profiles\/consent/, 400);
  await signIn(page, "admin");
  const email = uniqueEmail("consent");
  const added = await page.request.post("/api/customers/add", {
    form: { name: "Consent Person", email },
    headers: { accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(added.status()).toBe(200);
  const id = (await added.json()).id;
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to enrich" })).toBeVisible();
  await signIn(page, "support");
  await open(page, `/customers/${id}`, javaScriptEnabled);
  const row = page.getByTestId("consent-email_marketing");
  await row.getByRole("button", { name: /Grant/ }).click();
  await expect(page.getByText("Reason is required").first()).toBeVisible();
  await page.getByTestId("consent-email_marketing").getByLabel(/Reason/).fill("Customer asked on the phone, ticket 4812");
  await page.getByTestId("consent-email_marketing").getByRole("button", { name: /Grant/ }).click();
  await expect(page.getByTestId("consent-email_marketing")).toContainText("granted");
});

// Issue 16 item 13: any word of the name, accents and case aside.
test("item 13: customer search finds a name by any word, accents and case aside", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "admin");
  const marker = `${Date.now()}`;
  for (const name of [`Ana García ${marker}`, `Kim Min-jun ${marker}`]) {
    const added = await page.request.post("/api/customers/add", {
      form: { name, email: uniqueEmail("search") },
      headers: { accept: "application/json", origin: new URL(page.url()).origin },
    });
    expect(added.status()).toBe(200);
  }
  for (const [q, name] of [["garcia", "Ana García"], ["GARCÍA", "Ana García"], ["kim", "Kim Min-jun"]]) {
    await open(page, `/customers?q=${encodeURIComponent(`${q} ${marker}`)}`, javaScriptEnabled);
    await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();
  }
});
