import { Page } from "@playwright/test";
import { test, expect, open, signIn, uniqueEmail } from "./fixtures";
import { LAPTOP, PHONE, mainPages, seed } from "./main-pages";

/** How far the page scrolls sideways (0 when it fits). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

for (const [label, size] of [["390", PHONE], ["1440", LAPTOP]] as const) {
  test(`item 15: every main page fits ${label} px without sideways scrolling`, async ({ page, javaScriptEnabled }) => {
    test.setTimeout(180_000);
    const seeded = await seed(page, javaScriptEnabled);
    await page.setViewportSize(size);
    const wide: string[] = [];
    for (const path of mainPages(seeded)) {
      await open(page, path, javaScriptEnabled);
      const extra = await overflow(page);
      if (extra > 0) wide.push(`${path} scrolls ${extra}px sideways`);
    }
    await page.request.post("/auth/logout", { headers: { origin: new URL(page.url()).origin } });
    await open(page, "/login", javaScriptEnabled);
    const extra = await overflow(page);
    if (extra > 0) wide.push(`/login scrolls ${extra}px sideways`);
    expect(wide).toEqual([]);
  });
}

test("item 15: at phone width the nav collapses to a menu that opens and closes", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "admin");
  await page.setViewportSize(PHONE);
  await open(page, "/", javaScriptEnabled);
  const nav = page.getByRole("navigation", { name: "Main" });
  const customers = nav.getByRole("link", { name: "Customers", exact: true });
  await expect(customers).toBeHidden();
  const menu = nav.getByRole("button", { name: "Menu" }).or(nav.locator("summary", { hasText: "Menu" }));
  await expect(menu).toBeVisible();
  if (javaScriptEnabled) await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.click();
  await expect(customers).toBeVisible();
  if (javaScriptEnabled) await expect(menu).toHaveAttribute("aria-expanded", "true");
  await customers.click();
  await expect(page.getByRole("heading", { level: 1, name: "Customers" })).toBeVisible();
  // A short page gives its spare height to the content, not to the closed menu's bar.
  await open(page, "/preferences", javaScriptEnabled);
  const bar = await page.locator(".sidebar").boundingBox();
  expect(bar!.height).toBeLessThan(100);
  // On a laptop the links are always shown, with no menu button.
  await page.setViewportSize(LAPTOP);
  await expect(nav.getByRole("link", { name: "Segments", exact: true })).toBeVisible();
  await expect(menu).toBeHidden();
});

test("item 15: emails and names are shown as typed, not forced into capitals", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "admin");
  await page.setViewportSize(LAPTOP);
  for (const path of ["/settings/users", "/customers", "/"]) {
    await open(page, path, javaScriptEnabled);
    // Emails and names: table rows, who is signed in, and anything holding an address.
    const forced = await page.evaluate(() =>
      [...document.querySelectorAll("main *, nav *")]
        .filter((el) => el.childElementCount === 0)
        .filter((el) => el.closest("tbody, .whoami, .facts") || (el.textContent ?? "").includes("@"))
        .filter((el) => /uppercase|capitalize/.test(getComputedStyle(el).textTransform))
        .map((el) => `${el.tagName} "${el.textContent?.trim().slice(0, 40)}"`),
    );
    expect(forced, `forced capitals on ${path}`).toEqual([]);
  }
});

test("item 15: the sidebar spans the full height of a long page", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "admin");
  // A page longer than the window: the sidebar runs from the top to the bottom of the page.
  await page.setViewportSize({ width: 1440, height: 500 });
  await open(page, "/settings/channels", javaScriptEnabled);
  const sizes = await page.evaluate(() => ({
    nav: document.querySelector("nav.sidebar")!.getBoundingClientRect().height,
    page: document.documentElement.scrollHeight,
  }));
  expect(sizes.page).toBeGreaterThan(500);
  expect(sizes.nav).toBeGreaterThanOrEqual(sizes.page - 1);
});

test("item 15: a wrong password keeps the typed email in the sign-in form", async ({ page, javaScriptEnabled }) => {
  await open(page, "/login", javaScriptEnabled);
  await page.getByLabel("Email").fill("marketer@e2e.test");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("login-error")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("marketer@e2e.test");
  await expect(page).not.toHaveURL(/marketer/);
});

test("item 16: times follow the time zone each user chooses, and charts fill their card", async ({ page, javaScriptEnabled }) => {
  // A user of its own, so no other test sees times in this zone.
  await signIn(page, "admin");
  const email = uniqueEmail("zone").replace("@example.com", "@e2e.test");
  const password = process.env.E2E_PASSWORD!;
  const added = await page.request.post("/api/users/add", {
    form: { email, role: "admin", password },
    headers: { accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(added.status(), await added.text()).toBe(200);
  await page.request.post("/auth/logout", { headers: { origin: new URL(page.url()).origin } });
  await open(page, "/login", javaScriptEnabled);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toContainText(email);

  await open(page, "/settings/users", javaScriptEnabled);
  await expect(page.getByTestId("users-table")).toContainText("UTC");
  await page.getByRole("link", { name: "Your preferences" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your preferences" })).toBeVisible();
  await expect(page.getByLabel("Time zone")).toHaveValue("UTC");
  await page.getByLabel("Time zone").selectOption("Asia/Seoul");
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByTestId("form-saved")).toHaveText("Preferences saved.");
  await expect(page.getByLabel("Time zone")).toHaveValue("Asia/Seoul");

  await open(page, "/settings/users", javaScriptEnabled);
  await expect(page.getByTestId("users-table")).toContainText("KST");
  await expect(page.getByTestId("users-table")).not.toContainText("UTC");
  await open(page, "/settings/audit", javaScriptEnabled);
  await expect(page.locator("main table").first()).toContainText("KST");

  await page.setViewportSize(LAPTOP);
  await open(page, "/live", javaScriptEnabled);
  const chart = page.getByTestId("events-chart");
  await expect(chart.locator("svg")).toContainText("time (Asia/Seoul)");
  await expect(page.getByTestId("event-tail")).toContainText("Time (Asia/Seoul)");
  const [svg, figure] = await Promise.all([chart.locator("svg").boundingBox(), chart.boundingBox()]);
  expect(svg!.width).toBeGreaterThan(figure!.width - 2);
  await open(page, "/", javaScriptEnabled);
  await expect(page.getByRole("img", { name: /Profiles added per day \(Asia\/Seoul\)/ })).toBeVisible();
});
