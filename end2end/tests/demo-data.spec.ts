import { test, expect, open, signIn } from "./fixtures";

// Runs after every other spec (see playwright.config.ts): it fills the shared database.
// Issue 16 item 14: demo data from Settings at any time, with progress.
test("item 14: an admin loads demo data from Settings with progress", async ({ page, javaScriptEnabled }) => {
  test.setTimeout(300_000);
  await signIn(page, "admin");
  await open(page, "/settings", javaScriptEnabled);
  const card = page.getByTestId("demo-data");
  await card.getByRole("button", { name: "Load demo data" }).click();
  await expect(card.getByRole("status")).toContainText(/Loading demo data|Demo data loaded/);
  await expect(card.getByRole("status")).toContainText("Demo data loaded", { timeout: 280_000 });
  // Loading twice adds no one: item_14_… in tests/integration/forms.rs counts the people.
});
