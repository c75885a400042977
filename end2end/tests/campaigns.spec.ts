import { Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { test, expect, open, signIn, uniqueEmail } from "./fixtures";

/** As admin: a customer who agreed to email marketing, and a segment holding just them. */
async function audience(page: Page): Promise<{ email: string; marker: string; segment: string }> {
  await signIn(page, "admin");
  const email = uniqueEmail("camp");
  const marker = email.split("@")[0];
  const headers = { accept: "application/json", origin: new URL(page.url()).origin };
  const added = await page.request.post("/api/customers/add", { form: { name: "Camille Reader", email }, headers });
  expect(added.status()).toBe(200);
  const id = (await added.json()).id;
  const consent = await page.request.post("/api/profiles/consent", {
    form: { id, purpose: "email_marketing", granted: "true" },
    headers,
  });
  expect(consent.status()).toBe(200);
  const rule = JSON.stringify({ type: "trait", path: "traits.email", test: { op: "contains", text: marker } });
  const segment = `Campaign audience ${marker}`;
  const saved = await page.request.post("/api/segments/save", { form: { name: segment, description: "", rule }, headers });
  expect(saved.status()).toBe(200);
  await page.request.post("/auth/logout", { headers });
  return { email, marker, segment };
}

/** Messages the SMTP sink received for `email` (the test command tells us where it logs). */
function mailTo(email: string): { subject: string }[] {
  const log = process.env.E2E_MAIL_LOG;
  if (!log) throw new Error("E2E_MAIL_LOG is not set: run the browser tests with `make test`");
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line.includes(email))
    .map((line) => JSON.parse(line));
}

test("a marketer creates a two-variant email campaign for a segment, previews it, sends it and reads its results", async ({ page, javaScriptEnabled }) => {
  const { email, marker, segment } = await audience(page);
  await signIn(page, "marketer");
  await open(page, "/campaigns", javaScriptEnabled);
  await page.getByRole("link", { name: "New campaign" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New campaign" })).toBeVisible();
  if (javaScriptEnabled) await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByLabel("Name").fill(`Winter ${marker}`);
  await page.getByRole("group", { name: "Send to members of" }).getByLabel(new RegExp(segment)).check();
  await page.getByLabel("Holdout (%)").fill("0");
  const subjects = page.getByLabel("Subject");
  const bodies = page.getByLabel("Body");
  await subjects.nth(0).fill("A: hello {{ profile.name | default('friend') }}");
  await bodies.nth(0).fill("Our winter sale: https://shop.example/winter");
  await subjects.nth(1).fill("B: a gift for {{ profile.name }}");
  await bodies.nth(1).fill("Take 10% off: https://shop.example/gift");
  await page.getByLabel("Share getting A (%)").fill("50");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Winter ${marker}` })).toBeVisible();
  await expect(page.getByTestId("campaign-status")).toHaveText("draft");
  // The segment computes in the background: the audience shows the customer once it has.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("step-remaining").first()).toHaveText("1", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await page.getByLabel("Customer").selectOption({ index: 1 });
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("preview-customer")).toContainText("variant");
  const rendered = page.getByTestId("rendered-subject");
  await expect(rendered).toHaveCount(2);
  // Marketers see personal data masked, in previews too.
  await expect(rendered.nth(0)).toHaveText("A: hello C*** R***");
  await expect(rendered.nth(1)).toHaveText("B: a gift for C*** R***");
  await page.getByRole("button", { name: "Launch" }).click();
  await expect(page.getByTestId("campaign-results")).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("campaign-status")).toHaveText("completed", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const sent = page.getByTestId("variant-sent");
  const total = (await sent.allTextContents()).map(Number).reduce((a, b) => a + b, 0);
  expect(total).toBe(1);
  await expect(page.getByRole("img", { name: "Messages sent and conversions per hour" })).toBeVisible();
  const mail = mailTo(email);
  expect(mail).toHaveLength(1);
  expect(mail[0].subject).toMatch(/^(A: hello|B: a gift for) Camille Reader$/);
  await open(page, "/campaigns", javaScriptEnabled);
  await expect(page.getByRole("link", { name: `Winter ${marker}` })).toBeVisible();
});

test("an invalid template is refused with its line and column", async ({ page, javaScriptEnabled, allowHttpError }) => {
  const { marker, segment } = await audience(page);
  allowHttpError(/\/api\/campaigns\/save/, 400);
  await signIn(page, "marketer");
  await open(page, "/campaigns/new", javaScriptEnabled);
  await page.getByLabel("Name").fill(`Broken ${marker}`);
  await page.getByRole("group", { name: "Send to members of" }).getByLabel(new RegExp(segment)).check();
  await page.getByLabel("Subject").nth(0).fill("Hello");
  await page.getByLabel("Body").nth(0).fill("Hi\n{{ traits.name | shout }}");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("alert").first()).toContainText("line 2, column");
});
