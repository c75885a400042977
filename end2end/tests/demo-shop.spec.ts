// Issue 17: the demo shop's journey. Runs in the "demo-shop" project after demo-data.spec.ts has
// loaded the demo data (segments "Browsing shoes" and "Cart abandoner" with their keys exposed
// to websites, and a catalog with shoes): see playwright.config.ts.
import { test, expect, open, signIn } from "./fixtures";

/** The demo catalog's shoes. */
const SHOES = ["Trail Runner", "Hiking Boot", "Road Runner", "Trail Sandal"];

test("a new visitor browsing three shoes sees the shop personalize live, and a marketer sees the visit", async ({ page, browser }) => {
  test.setTimeout(120_000);
  // A new visitor: the fixture's page is a fresh context with no cookies or storage.
  await page.goto("/demo/shop");
  const hero = page.getByTestId("hero");
  const strip = page.getByTestId("recommended");
  await expect(hero).toHaveAttribute("data-variant", "default");
  await expect(page.getByTestId("hero-segments")).toHaveText("Personalized by enrich: segments none yet");
  await expect(strip).not.toHaveAttribute("data-state", "loading");
  await expect(strip).not.toHaveAttribute("data-state", "unavailable");
  const stripIds = () => strip.locator("li[data-product-id]").evaluateAll((items) => items.map((li) => li.getAttribute("data-product-id")));
  const before = await stripIds();
  const anonymousId = await page.evaluate(() => (window as any).analytics.user().anonymousId() as string);
  expect(anonymousId).toBeTruthy();

  // Three shoes, each opened from the shoes category, without reloading the page.
  const navigations: string[] = [];
  page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) navigations.push(frame.url()); });
  await page.locator("a[data-nav=shoes]").click();
  await expect(page).toHaveURL(/#\/category\/shoes$/);
  const grid = page.getByTestId("product-grid");
  await expect(grid.locator("li[data-product-id]")).toHaveCount(SHOES.length);
  for (const name of SHOES) await expect(grid).toContainText(name);
  const viewed: string[] = [];
  for (const name of SHOES.slice(0, 3)) {
    await page.locator("a[data-nav=shoes]").click();
    const sent = page.waitForResponse((r) => r.request().method() === "POST"
      && /\/v1\/(t|track)$/.test(new URL(r.url()).pathname) && (r.request().postData() ?? "").includes("Product Viewed"));
    await grid.getByRole("link", { name: new RegExp(name) }).click();
    await expect(page).toHaveURL(/#\/product\/[^/]+$/);
    const product = page.getByTestId("product");
    await expect(product).toContainText(name);
    await expect(page.getByTestId("product-category")).toHaveText("Shoes");
    viewed.push((await product.getAttribute("data-product-id"))!);
    expect((await sent).status()).toBe(200);
  }
  // Within about two seconds of the third view, without a reload: the shoes variant, the
  // segment named, and other recommendations.
  await expect(hero).toHaveAttribute("data-variant", "shoes", { timeout: 2_000 });
  await expect(page.getByTestId("hero-segments")).toContainText("browsing_shoes", { timeout: 2_000 });
  await expect.poll(stripIds, { timeout: 2_000 }).not.toEqual(before);
  await expect(strip).toHaveAttribute("data-state", "ready");
  expect(navigations.every((u) => new URL(u).pathname === "/demo/shop"), `no reload: ${navigations.join(", ")}`).toBe(true);

  // A marketer, in another browser context, finds the visit on the live page and the customer.
  const marketer = await browser.newContext();
  const staff = await marketer.newPage();
  try {
    await signIn(staff, "marketer");
    await open(staff, "/live", true);
    const tail = staff.getByTestId("event-tail").locator("tbody tr");
    // The tail's newest shop page view is this visitor's: its "Who" leads to their customer page.
    const visit = tail.filter({ hasText: "Page Viewed" }).filter({ hasText: "/demo/shop" }).first();
    await expect(visit).toContainText("demo-shop");
    const who = (await visit.getByRole("link").getAttribute("href"))!;
    expect(who).toMatch(/^\/customers\/[0-9a-f]{24}$/);
    // Their three product views are in the tail too (track events carry no page column).
    await expect(tail.filter({ hasText: "Product Viewed" }).filter({ has: staff.locator(`a[href="${who}"]`) })).toHaveCount(3);
    await visit.getByRole("link").click();
    await expect(staff).toHaveURL(/\/customers\/[0-9a-f]{24}$/);
    // A marketer sees identifiers masked: the visitor's anonymous id, first character kept.
    const identity = staff.getByTestId("identities").getByRole("row", { name: /anonymous_id/ });
    await expect(identity).toHaveCount(1);
    await expect(identity).toContainText(`${anonymousId[0]}***`);
    await expect(identity).toContainText("demo-shop");
    await expect(staff.getByText("Last web visit")).toContainText("/demo/shop");
    await expect(staff.getByTestId("counters").getByRole("row", { name: /Product Viewed/ })).toContainText("3");
  } finally {
    await marketer.close();
  }
});
