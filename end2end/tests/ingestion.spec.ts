import { APIRequestContext } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

test.beforeEach(async ({ page }) => signIn(page, "admin"));

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

async function track(request: APIRequestContext, key: string, call: string, body: object) {
  const reply = await request.post(`/v1/${call}`, {
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
    data: body,
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

test.describe("Sources, ingestion and the customer page", () => {
  test("a new source shows its key once, and events sent with it build a profile", async ({ page, request, javaScriptEnabled }) => {
    const source = unique("web");
    await open(page, "/settings", javaScriptEnabled);
    await page.getByLabel("Name").fill(source);
    await page.getByRole("button", { name: "Create source" }).click();
    const key = (await page.getByTestId("new-key-value").textContent())!.trim();
    expect(key).toMatch(/^wk_/);
    await expect(page.getByRole("row", { name: new RegExp(source) })).toContainText("api");

    const user = unique("user");
    const name = `Mina ${user}`;
    await track(request, key, "identify", { userId: user, traits: { name, email: `${user}@example.com`, plan: "free" } });
    await track(request, key, "page", { userId: user, properties: { path: "/pricing", title: "Pricing" } });
    await track(request, key, "track", { userId: user, event: "Order Completed", properties: { total: 42 } });

    await page.reload();
    await expect(page.getByTestId("new-key")).toHaveCount(0);
    await open(page, "/customers", javaScriptEnabled);
    await page.getByRole("link", { name }).click();
    await expect(page.getByTestId("customer-name")).toHaveText(name);
    await expect(page.getByTestId("identities")).toContainText(user);
    await expect(page.getByTestId("counters")).toContainText("Order Completed");
    await expect(page.getByText("Last web visit")).toContainText("Pricing");
    await expect(page.getByTestId("traits").getByRole("row", { name: /plan/ })).toContainText(source);
  });

  test("an admin can undo a merge from the customer page", async ({ page, request, javaScriptEnabled }) => {
    const source = unique("app");
    await open(page, "/settings", javaScriptEnabled);
    await page.getByLabel("Name").fill(source);
    await page.getByRole("button", { name: "Create source" }).click();
    const key = (await page.getByTestId("new-key-value").textContent())!.trim();
    const user = unique("known");
    const device = unique("device");
    await track(request, key, "identify", { userId: user, traits: { name: `Known ${user}` } });
    await track(request, key, "track", { anonymousId: device, event: "App Opened" });
    await track(request, key, "track", { userId: user, anonymousId: device, event: "Signed In" });

    await open(page, "/customers", javaScriptEnabled);
    await page.getByRole("link", { name: `Known ${user}` }).click();
    const merge = page.getByTestId("merge-row");
    await expect(merge).toContainText("done");
    await merge.getByRole("button", { name: /Unmerge/ }).click();
    await expect(page.getByTestId("merge-row")).toContainText("undone");
    await expect(page.getByTestId("identities")).not.toContainText(device);
  });

  test("a CSV import shows progress, imports valid rows and lists rejected ones by line", async ({ page, javaScriptEnabled }) => {
    const source = unique("crm");
    const tag = unique("c");
    const csv = `Id,E-mail,Name\n${tag}-1,${tag}-1@example.com,Imported One\n,not-an-email,Broken\n`;
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(source);
    await page.getByLabel("File").setInputFiles({ name: "crm.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByText("Paste a mapping as TOML instead").click();
    await page.getByLabel("Column mapping (TOML)").fill('[columns]\n"Id" = "external:crm_id"\n"E-mail" = "email"\n"Name" = "trait:name"\n');
    await page.getByRole("button", { name: "Continue" }).click();

    await expect(page).toHaveURL(/\/settings\/import\/[0-9a-f]{24}$/);
    await expect(page.getByTestId("import-state")).toHaveText("done");
    await expect(page.getByTestId("import-summary")).toContainText("1 imported");
    await expect(page.getByTestId("import-errors")).toContainText("not a valid email");
    await expect(page.getByTestId("import-errors").getByRole("row", { name: /^3 / })).toHaveCount(1);
  });

  test("a computed trait can be defined and back-fills", async ({ page, javaScriptEnabled }) => {
    const name = unique("orders").replace(/-/g, "_");
    await open(page, "/settings/computed", javaScriptEnabled);
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Event").fill("Order Completed");
    await page.getByLabel("Aggregate").selectOption("count");
    await page.getByRole("button", { name: "Create and back-fill" }).click();
    await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("count · Order Completed");
  });
});
