import { Page } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

/** A name no other test or earlier run has used (letters and digits only: a trait key). */
function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const DAY = 24 * 60 * 60 * 1000;

/** `days` from now (negative: ago), `years` earlier, as an ISO instant. */
function shifted(days: number, years = 0): string {
  const at = new Date(Date.now() + days * DAY);
  at.setUTCFullYear(at.getUTCFullYear() - years);
  return at.toISOString();
}

/** JSON headers for calling server functions from a signed-in page. */
function api(page: Page) {
  return { accept: "application/json", origin: new URL(page.url()).origin };
}

/**
 * As admin, creates a source and identifies six people whose date trait `key` lies 2, 20, 100
 * and 500 days ago, and on anniversaries 30 and 3 days ahead (20 and 30 years back).
 */
async function seedDates(page: Page, key: string): Promise<void> {
  await signIn(page, "admin");
  const created = await page.request.post("/api/sources/create", { form: { name: unique("dates") }, headers: api(page) });
  expect(created.status(), await created.text()).toBe(200);
  const writeKey: string = (await created.json()).key;
  const dates = [shifted(-2), shifted(-20), shifted(-100), shifted(-500), shifted(30, 20), shifted(3, 30)];
  for (const [i, at] of dates.entries()) {
    const reply = await page.request.post("/v1/identify", {
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` },
      data: { userId: `${key}-${i}`, traits: { name: `Dated ${i}`, [key]: at } },
    });
    expect(reply.status(), await reply.text()).toBe(200);
  }
}

/** Without JavaScript the builder redraws on the server: the Preview button applies edits. */
async function apply(page: Page, javaScriptEnabled: boolean): Promise<void> {
  if (!javaScriptEnabled) await page.getByRole("button", { name: "Preview" }).click();
}

/** Starts a one-condition segment on date trait `key` with operator `op`. */
async function startDateRule(page: Page, key: string, op: string, javaScriptEnabled: boolean) {
  await open(page, "/segments/new", javaScriptEnabled);
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Field").selectOption(`trait:traits.${key}`);
  await apply(page, javaScriptEnabled);
  await page.getByLabel("Operator").selectOption(`date|${op}`);
  await apply(page, javaScriptEnabled);
}

/** Names and saves the segment, and waits for its page. */
async function save(page: Page, name: string): Promise<string> {
  await page.locator("#segment-name").fill(name);
  await page.getByRole("button", { name: "Save segment" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return page.url();
}

/** The saved segment's page shows `text` as its rule and `count` members, everywhere alike. */
async function expectSaved(page: Page, url: string, text: string, count: number) {
  await expect(async () => {
    await page.goto(url);
    await expect(page.getByTestId("rule-summary")).toContainText(text);
    await expect(page.getByTestId("member-count")).toHaveText(String(count), { timeout: 1000 });
    await expect(page.getByTestId("members-total")).toContainText(`of ${count}`, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
}

const dateOperators = [
  { op: "within_last", amount: 365, text: "within the last 365 days", count: 3 },
  { op: "more_than_days_ago", amount: 50, text: "more than 50 days ago", count: 4 },
  { op: "anniversary_within", amount: 60, text: "anniversary in the next 60 days", count: 2 },
];

for (const { op, amount, text, count } of dateOperators) {
  test(`item 1: "${op}" keeps the typed amount through save and reload, with the right members`, async ({ page, javaScriptEnabled }) => {
    const key = unique("joined");
    await seedDates(page, key);
    await startDateRule(page, key, op, javaScriptEnabled);
    const input = page.getByRole("spinbutton", { name: op === "within_last" ? "Amount" : "Days" });
    await input.fill(String(amount));
    await input.press("Tab");
    await apply(page, javaScriptEnabled);
    await expect(page.getByTestId("preview-count")).toHaveText(String(count));
    const url = await save(page, `Dates ${key}`);
    await expectSaved(page, url, `traits.${key} ${text}`, count);
    await open(page, `${url}/edit`, javaScriptEnabled);
    await expect(page.getByRole("spinbutton", { name: op === "within_last" ? "Amount" : "Days" })).toHaveValue(String(amount));
    await expect(page.getByLabel("Operator")).toHaveValue(`date|${op}`);
  });
}

test("item 1: every input kind of the builder survives save and reload", async ({ page, javaScriptEnabled }) => {
  const key = unique("joined");
  await seedDates(page, key);
  await open(page, "/segments/new", javaScriptEnabled);
  const conditions = page.locator(".rule-condition");
  const addCondition = page.getByRole("button", { name: "Add condition" });

  // A date relative amount with a unit in weeks.
  await addCondition.first().click();
  await conditions.nth(0).getByLabel("Field").selectOption(`trait:traits.${key}`);
  await apply(page, javaScriptEnabled);
  await conditions.nth(0).getByLabel("Operator").selectOption("date|within_last");
  await apply(page, javaScriptEnabled);
  await conditions.nth(0).getByRole("spinbutton", { name: "Amount" }).fill("52");
  await conditions.nth(0).getByRole("spinbutton", { name: "Amount" }).press("Tab");
  await conditions.nth(0).getByLabel("Unit").selectOption("weeks");
  await apply(page, javaScriptEnabled);

  // A nested "any" group holding a text test, a list test, an absolute date and a bucket.
  await page.getByRole("button", { name: "Add group" }).first().click();
  const group = page.locator(".rule-group .rule-group");
  await group.getByLabel("Group kind").selectOption("any");
  await apply(page, javaScriptEnabled);
  for (let i = 0; i < 4; i++) {
    await group.getByRole("button", { name: "Add condition" }).click();
  }
  const inner = group.locator(".rule-condition");
  await inner.nth(0).getByLabel("Field").selectOption("trait:traits.name");
  await inner.nth(1).getByLabel("Field").selectOption("trait:traits.name");
  await inner.nth(2).getByLabel("Field").selectOption(`trait:traits.${key}`);
  await inner.nth(3).getByLabel("Field").selectOption("bucket");
  await apply(page, javaScriptEnabled);
  await inner.nth(0).getByLabel("Operator").selectOption("text|starts_with");
  await inner.nth(1).getByLabel("Operator").selectOption("text|in_list");
  await inner.nth(2).getByLabel("Operator").selectOption("date|before");
  await apply(page, javaScriptEnabled);
  await inner.nth(0).getByRole("textbox", { name: "Text" }).fill("Dated");
  await inner.nth(0).getByRole("textbox", { name: "Text" }).press("Tab");
  await inner.nth(1).getByRole("textbox", { name: "Add to values" }).fill("Dated 1, Dated 2");
  await inner.nth(1).getByRole("textbox", { name: "Add to values" }).press(javaScriptEnabled ? "Enter" : "Tab");
  await inner.nth(2).getByLabel("Date").fill("2030-05-06T07:08");
  await inner.nth(2).getByLabel("Date").press("Tab");
  await inner.nth(3).getByRole("spinbutton", { name: "From %" }).fill("5");
  await inner.nth(3).getByRole("spinbutton", { name: "From %" }).press("Tab");
  await inner.nth(3).getByRole("spinbutton", { name: "To %" }).fill("95");
  await inner.nth(3).getByRole("spinbutton", { name: "To %" }).press("Tab");
  await apply(page, javaScriptEnabled);

  const url = await save(page, `Kinds ${key}`);
  const summary = page.getByTestId("rule-summary");
  await expect(summary).toContainText(`traits.${key} within the last 52 weeks`);
  await expect(summary).toContainText('traits.name starts with "Dated"');
  await expect(summary).toContainText('traits.name is one of "Dated 1", "Dated 2"');
  await expect(summary).toContainText(`traits.${key} before 2030-05-06 07:08 UTC`);
  await expect(summary).toContainText("in random bucket 5%–95%");
  // The nesting is shown as stored: the any group sits inside the top-level all group.
  await expect(summary.locator(":scope > ul > li > ul > li > ul > li > code", { hasText: "in random bucket" })).toHaveCount(1);
  await expect(summary.locator(":scope > ul > li > ul > li > code", { hasText: "within the last 52 weeks" })).toHaveCount(1);

  await open(page, `${url}/edit`, javaScriptEnabled);
  await expect(conditions.nth(0).getByRole("spinbutton", { name: "Amount" })).toHaveValue("52");
  await expect(conditions.nth(0).getByLabel("Unit")).toHaveValue("weeks");
  await expect(group.getByLabel("Group kind")).toHaveValue("any");
  await expect(inner.nth(0).getByRole("textbox", { name: "Text" })).toHaveValue("Dated");
  await expect(inner.nth(1).locator(".chip")).toHaveText([/^Dated 1/, /^Dated 2/]);
  await expect(inner.nth(2).getByLabel("Date")).toHaveValue("2030-05-06T07:08");
  await expect(inner.nth(3).getByRole("spinbutton", { name: "From %" })).toHaveValue("5");
  await expect(inner.nth(3).getByRole("spinbutton", { name: "To %" })).toHaveValue("95");
});

test("item 11: a segment without conditions saves only when confirmed; empty values are flagged; fields show their path", async ({ page, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/api\/segments\/save/, 400);
  const key = unique("joined");
  await seedDates(page, key);
  await open(page, "/segments/new", javaScriptEnabled);
  await page.locator("#segment-name").fill(`Everyone ${key}`);
  await page.getByRole("button", { name: "Save segment" }).click();
  await expect(page.locator("#confirm_everyone-error")).toContainText("includes everyone");
  await expect(page.getByRole("heading", { level: 1, name: "New segment" })).toBeVisible();

  // A condition with an empty value is flagged where it is typed; its field shows its path.
  await page.getByRole("button", { name: "Add condition" }).click();
  await page.getByLabel("Field").selectOption("trait:traits.name");
  await apply(page, javaScriptEnabled);
  await expect(page.getByRole("note").filter({ hasText: "is empty" })).toBeVisible();
  await expect(page.getByLabel("Field").locator('option[title="traits.name"]')).toHaveText(/^Name \(/);
  await page.getByRole("button", { name: "Delete" }).click();

  // Confirmed, the everyone segment saves.
  await page.locator("#segment-name").fill(`Everyone ${key}`);
  await page.getByLabel(/it will include everyone/).check();
  await page.getByRole("button", { name: "Save segment" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Everyone ${key}` })).toBeVisible();
  await expect(page.getByTestId("rule-summary")).toContainText("everyone (no conditions)");
});
