import { test, expect, open, uniqueEmail, signIn } from "./fixtures";

test.beforeEach(async ({ page }) => signIn(page, "admin"));

const sections = ["Dashboard", "Customers", "Segments", "Campaigns", "Live", "Catalog", "Settings"];

test("the nav reaches every section and marks the current one", async ({ page, javaScriptEnabled }) => {
  await open(page, "/", javaScriptEnabled);
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const section of sections) {
    await nav.getByRole("link", { name: section, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: section })).toBeVisible();
    await expect(nav.getByRole("link", { name: section, exact: true })).toHaveAttribute("aria-current", "page");
    await expect(page).toHaveTitle(`${section} · enrich`);
  }
});

test("an unknown address shows the not-found page with a way back", async ({ page, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/no-such-page$/, 404);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  if (javaScriptEnabled) await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the dashboard" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
});

test("the dashboard counts a new customer and charts it with a data table", async ({ page, javaScriptEnabled }) => {
  await open(page, "/", javaScriptEnabled);
  const kpi = page.getByTestId("kpi-profiles");
  const before = Number(await kpi.textContent());
  const added = await page.request.post("/api/customers/add", {
    form: { name: "Dash Board", email: uniqueEmail("dash") },
    headers: { accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(added.status()).toBe(200);

  await open(page, "/", javaScriptEnabled);
  await expect(kpi).toHaveText(String(before + 1));
  const chart = page.getByRole("img", { name: /Profiles added per day/ });
  await expect(chart.locator("svg rect").first()).toBeVisible();
  await page.getByText("Show data table").click();
  await expect(page.getByRole("columnheader", { name: "Day" })).toBeVisible();
});
