import { Page } from "@playwright/test";
import { test, expect, open, signIn, uniqueEmail } from "./fixtures";

/** As admin, adds a customer through the API and returns their email. */
async function addCustomer(page: Page, name: string): Promise<string> {
  await signIn(page, "admin");
  const email = uniqueEmail("seg");
  const added = await page.request.post("/api/customers/add", {
    form: { name, email },
    headers: { accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(added.status()).toBe(200);
  return email;
}

test("an admin builds a segment on a personal field with a live preview; a marketer sees its member masked", async ({ page, javaScriptEnabled }) => {
  if (!javaScriptEnabled) {
    // Without WebAssembly the builder is a plain form: its buttons submit, Preview counts
    // (segment-builder.spec.ts drives it end to end).
    await signIn(page, "marketer");
    await page.goto("/segments/new");
    await expect(page.getByRole("button", { name: "Preview" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Add condition" })).toBeVisible();
    return;
  }
  // Comparing a personal field's value needs access to personal data: the admin builds it.
  const email = await addCustomer(page, "Segment Member");
  const marker = email.split("@")[0];
  await open(page, "/segments/new", true);
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Field").selectOption("trait:traits.email");
  await page.getByLabel("Operator").selectOption("text|contains");
  const text = page.getByRole("textbox", { name: "text" });
  await text.fill(marker);
  await text.press("Tab");
  await expect(page.getByTestId("preview-count")).toHaveText("1");
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("textbox", { name: "text" })).toHaveValue("");
  await page.getByRole("textbox", { name: "text" }).fill(marker);
  await page.getByRole("textbox", { name: "text" }).press("Tab");
  await expect(page.getByTestId("preview-count")).toHaveText("1");
  await page.getByLabel("Name").fill(`Builder ${marker}`);
  await page.getByRole("button", { name: "Save segment" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Builder ${marker}` })).toBeVisible();
  const saved = page.url();
  await signIn(page, "marketer");
  await open(page, saved, true);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("heading", { name: "Members", exact: true })).toBeVisible();
    await expect(page.getByRole("rowheader").getByRole("link", { name: "S*** M***" })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByText(`traits.email contains "${marker}"`)).toBeVisible();
});

test("segments read without JavaScript", async ({ page, javaScriptEnabled }) => {
  const email = await addCustomer(page, "Plain Reader");
  const marker = email.split("@")[0];
  const rule = JSON.stringify({ type: "trait", path: "traits.email", test: { op: "contains", text: marker } });
  const saved = await page.request.post("/api/segments/save", {
    form: { name: `Plain ${marker}`, description: "read without JS", rule },
    headers: { accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(saved.status()).toBe(200);
  await open(page, "/segments", javaScriptEnabled);
  await page.getByRole("link", { name: `Plain ${marker}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Plain ${marker}` })).toBeVisible();
  await expect(page.getByText(`traits.email contains "${marker}"`)).toBeVisible();
  await expect(page.getByRole("link", { name: "Export members (CSV)" })).toBeVisible();
});

test("the builder searches fields, takes list values as chips, reorders and deletes conditions", async ({ page, javaScriptEnabled }) => {
  if (!javaScriptEnabled) {
    // Without WebAssembly the field search cannot narrow anything: it is not shown.
    await signIn(page, "marketer");
    await page.goto("/segments/new");
    await page.getByRole("button", { name: "Add condition" }).click();
    await expect(page.getByRole("searchbox")).toBeHidden();
    await expect(page.getByLabel("Field")).toBeVisible();
    return;
  }
  // List tests on an email compare a personal value: an admin's builder.
  const email = await addCustomer(page, "Chip Person");
  await open(page, "/segments/new", true);
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByRole("button", { name: "Add condition" }).click();
  const conditions = page.locator(".rule-condition");
  await expect(conditions).toHaveCount(2);

  // Search narrows the field list to matching fields.
  const first = conditions.nth(0);
  await first.getByRole("searchbox", { name: "Search" }).fill("EMAI");
  const visible = first.getByLabel("Field").locator("option:not([hidden])");
  await expect(visible).toHaveText([/^Email \(/, "consented to email_marketing", "has email"]);
  await first.getByLabel("Field").selectOption("trait:traits.email");
  await conditions.nth(0).getByLabel("Operator").selectOption("text|in_list");

  // Values become chips; one can be removed again.
  const add = conditions.nth(0).getByLabel("Add to values");
  await add.fill("nobody@example.com, ");
  await add.press("Enter");
  await conditions.nth(0).getByLabel("Add to values").fill(email);
  await conditions.nth(0).getByLabel("Add to values").press("Enter");
  const chips = conditions.nth(0).locator(".chip");
  await expect(chips).toHaveCount(2);
  await conditions.nth(0).getByRole("button", { name: "Remove nobody@example.com" }).click();
  await expect(conditions.nth(0).locator(".chip")).toHaveText([email + "×"]);

  // The second condition moves above the first, then is deleted; the email condition remains.
  await conditions.nth(1).getByLabel("Field").selectOption("bucket");
  await conditions.nth(1).getByRole("button", { name: "Move up" }).click();
  await expect(conditions.nth(0).getByLabel("Field")).toHaveValue("bucket");
  await expect(conditions.nth(1).getByLabel("Field")).toHaveValue("trait:traits.email");
  await conditions.nth(0).getByRole("button", { name: "Delete" }).click();
  await expect(conditions).toHaveCount(1);
  await expect(conditions.nth(0).getByLabel("Field")).toHaveValue("trait:traits.email");
  await expect(page.getByTestId("preview-count")).toHaveText("1");
});

test("a marketer may test personal fields only for presence, and a small preview shows no count", async ({ page, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/api\/segments\/(preview|save)/, 403);
  await signIn(page, "marketer");
  if (!javaScriptEnabled) {
    // Without WebAssembly the server is the whole check: a value test on a personal field is
    // refused on save, naming the rule's test.
    const rule = JSON.stringify({ type: "trait", path: "traits.email", test: { op: "starts_with", text: "ja" } });
    const refused = await page.request.post("/api/segments/save", {
      form: { name: "Letter by letter", description: "", rule },
      headers: { accept: "application/json", origin: new URL(page.url()).origin },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ field: "rule.test" });
    return;
  }
  await open(page, "/segments/new", true);
  await page.getByRole("button", { name: "Add condition" }).click();
  const conditions = page.locator(".rule-condition");
  await conditions.nth(0).getByLabel("Field").selectOption("trait:traits.email");
  await conditions.nth(0).getByLabel("Operator").selectOption("text|contains");
  const text = conditions.nth(0).getByRole("textbox", { name: "text" });
  await text.fill("ja");
  await text.press("Tab");
  await expect(page.getByRole("alert")).toContainText("traits.email is personal data");
  await conditions.nth(0).getByLabel("Operator").selectOption("text|exists");
  // Has an email and has none: no one, which a masked role sees only as "fewer than 5".
  await page.getByRole("button", { name: "Add condition" }).click();
  await conditions.nth(1).getByLabel("Field").selectOption("trait:traits.email");
  await conditions.nth(1).getByLabel("Operator").selectOption("text|missing");
  await expect(page.getByTestId("preview-count")).toHaveText("fewer than 5");
  await expect(page.getByTestId("preview-band")).toBeVisible();
});
