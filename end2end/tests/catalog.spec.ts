import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Fills the product editor: two variants, the first with `swatch` as its colour. */
async function fillProduct(page: Page, id: string, swatch: string) {
  await page.getByLabel("Product id").fill(id);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(`Linen shirt ${id}`);
  await page.getByLabel("Locale").fill("en-US");
  await page.getByLabel("Extra attributes").fill("brand = Acme\nmaterial = linen");
  const rows: [string, string, string, string][] = [[`${id}-S`, "39.90", "EUR", "4"], [`${id}-M`, "42", "EUR", "0"]];
  for (const [i, [sku, price, currency, stock]] of rows.entries()) {
    await page.locator(`#variant-${i}-id`).fill(sku);
    await page.locator(`#variant-${i}-price`).fill(price);
    await page.locator(`#variant-${i}-currency`).fill(currency);
    await page.locator(`#variant-${i}-stock`).fill(stock);
  }
  await page.locator("#variant-0-display_color").fill(swatch);
}

test("a marketer creates a product with two variants, is told about a bad colour, and finds it in the catalog", async ({ page, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/api\/catalog\/save/, 400);
  await signIn(page, "marketer");
  await open(page, "/catalog", javaScriptEnabled);
  await page.getByRole("link", { name: "New product" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New product" })).toBeVisible();
  if (javaScriptEnabled) await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  const id = unique("shirt");
  await fillProduct(page, id, "navy");
  await page.getByRole("button", { name: "Save product" }).click();
  await expect(page.locator("#variant-0-display_color-error")).toContainText("#RRGGBB");
  await expect(page.locator("#variant-0-display_color")).toHaveAttribute("aria-invalid", "true");
  await fillProduct(page, id, "#1f3a5f");
  await page.getByRole("button", { name: "Save product" }).click();
  await expect(page.getByTestId("product-name")).toHaveText(`Linen shirt ${id}`);
  const variants = page.getByTestId("variant-table");
  await expect(variants.getByRole("row", { name: new RegExp(`${id}-S`) })).toContainText("€39.90");
  await expect(variants.getByRole("row", { name: new RegExp(`${id}-M`) })).toContainText("out of stock");
  await expect(page.getByText("linen", { exact: true })).toBeVisible();

  await open(page, "/catalog", javaScriptEnabled);
  await page.getByRole("searchbox", { name: "Search" }).fill(`${id}-M`);
  await page.getByLabel("In stock only").check();
  await page.getByRole("button", { name: "Filter" }).click();
  const row = page.getByTestId("product-table").getByRole("row", { name: new RegExp(id) });
  await expect(row).toContainText("€39.90 – €42.00");
  await expect(row).toContainText("4 in stock");
  await page.getByLabel("Price from").fill("50");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("No products match")).toBeVisible();
});

async function track(request: APIRequestContext, key: string, userId: string, sku: string) {
  const reply = await request.post("/v1/track", {
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
    data: { userId, event: "Product Viewed", properties: { sku }, context: { locale: "en-US" } },
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

test("a customer's page recommends what others viewed with what they viewed", async ({ page, request, javaScriptEnabled }) => {
  await signIn(page, "admin");
  const headers = { accept: "application/json", origin: new URL(page.url()).origin };
  const tag = unique("rec");
  for (const name of ["Kettle", "Teapot"]) {
    const form = {
      "form[id]": `${tag}-${name}`, "form[name]": `${name} ${tag}`,
      "form[variants][0][id]": `${tag}-${name}-1`, "form[variants][0][price]": "25", "form[variants][0][currency]": "EUR",
      "form[variants][0][stock]": "3",
    };
    const saved = await page.request.post("/api/catalog/save", { form, headers });
    expect(saved.status(), await saved.text()).toBe(200);
  }
  await open(page, "/settings", javaScriptEnabled);
  await page.getByLabel("Name").fill(tag);
  await page.getByRole("button", { name: "Create source" }).click();
  const key = (await page.getByTestId("new-key-value").textContent())!.trim();
  await track(request, key, `${tag}-other`, `${tag}-Kettle-1`);
  await track(request, key, `${tag}-other`, `${tag}-Teapot-1`);
  await track(request, key, `${tag}-me`, `${tag}-Kettle-1`);

  await open(page, `/customers?q=${tag}-me`, javaScriptEnabled);
  await page.getByRole("link", { name: "(no name)" }).click();
  const recommended = page.getByTestId("customer-recommendations");
  // Recommendations are ranked by a background worker moments after the events are stored:
  // the page is loaded again until they are there.
  await expect(async () => {
    await page.reload();
    await expect(recommended).toContainText(`Teapot ${tag}`, { timeout: 1_000 });
  }).toPass({ timeout: 10_000 });
  await expect(recommended).toContainText("related");
  await recommended.getByRole("link", { name: `Teapot ${tag}` }).click();
  await expect(page.getByTestId("product-name")).toHaveText(`Teapot ${tag}`);
  await expect(page.getByTestId("also-viewed")).toContainText(`Kettle ${tag}`);
  await expect(page.getByTestId("product-activity")).toContainText(/1\s*views/);
});
