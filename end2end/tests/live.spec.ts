import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Creates a source through Settings and returns its write key. */
async function writeKey(page: Page, javaScriptEnabled: boolean): Promise<string> {
  await open(page, "/settings", javaScriptEnabled);
  await page.getByLabel("Name").fill(unique("live"));
  await page.getByRole("button", { name: "Create source" }).click();
  return (await page.getByTestId("new-key-value").textContent())!.trim();
}

async function track(request: APIRequestContext, key: string, body: object) {
  const reply = await request.post("/v1/track", {
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
    data: body,
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

test("the live page's chart and tail update as events arrive (without a reload when hydrated)", async ({ page, request, javaScriptEnabled }) => {
  await signIn(page, "admin");
  const key = await writeKey(page, javaScriptEnabled);
  await open(page, "/live", javaScriptEnabled);
  const event = unique("Live Test");
  if (!javaScriptEnabled) {
    // Without JavaScript the page is a snapshot: a reload shows what arrived meanwhile.
    await track(request, key, { userId: unique("u"), event });
    await page.reload();
    await expect(page.getByTestId("event-tail")).toContainText(event);
    await expect(page.getByTestId("live-connection")).toHaveText("Connecting…");
    return;
  }
  await expect(page.getByTestId("live-connection")).toHaveText("Live");
  const navigations: string[] = [];
  page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) navigations.push(frame.url()); });

  await track(request, key, { userId: unique("u"), event, properties: { total: 3 } });
  await expect(page.getByTestId("event-tail")).toContainText(event, { timeout: 5_000 });
  await expect(page.getByTestId("top-events")).toContainText(event, { timeout: 5_000 });
  // The chart names the five busiest events of its window and folds the rest into "Other";
  // other specs share the database, so an event meant for the legend comes in numbers.
  const busy = unique("Live Burst");
  const burst = Array.from({ length: 30 }, () => ({ type: "track", userId: unique("u"), event: busy }));
  const sent = await request.post("/v1/batch", {
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
    data: { batch: burst },
  });
  expect(sent.status(), await sent.text()).toBe(200);
  await expect(page.getByTestId("events-chart").locator("ul.legend")).toContainText(busy);
  await expect(page.getByTestId("events-chart").locator("svg")).toHaveCount(1);

  await page.getByRole("button", { name: "Pause" }).click();
  // Three of them, so the top-events list (which other specs' events share) names it.
  const paused = unique("Paused");
  for (let i = 0; i < 3; i++) await track(request, key, { userId: unique("u"), event: paused });
  await expect(page.getByTestId("top-events")).toContainText(paused, { timeout: 5_000 });
  await expect(page.getByTestId("event-tail")).not.toContainText(paused);
  await page.getByRole("button", { name: "Resume" }).click();
  await page.getByLabel("Filter").fill(event);
  await expect(page.getByTestId("event-tail").locator("tbody tr")).toHaveCount(1);
  expect(navigations, "no reload or navigation").toEqual([]);
});

test("the live page opens at the chosen window with a chart and its data table", async ({ page, request, javaScriptEnabled }) => {
  await signIn(page, "analyst");
  await open(page, "/live?window=15", javaScriptEnabled);
  await expect(page.getByRole("link", { name: "15 min" })).toHaveAttribute("aria-current", "true");
  await expect(page.getByTestId("events-chart").locator("svg")).toHaveCount(1);
  await expect(page.getByTestId("window-events")).toBeVisible();
  await expect(page.getByText("Show data table").first()).toBeVisible();
});

test("the dashboard shows KPIs with sparklines", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "marketer");
  await open(page, "/", javaScriptEnabled);
  for (const id of ["kpi-profiles", "kpi-events-today", "kpi-errors", "kpi-segments"]) {
    await expect(page.getByTestId(id)).toBeVisible();
  }
  await expect(page.getByTestId("kpi-campaigns")).toContainText("active campaigns");
  expect(await page.locator(".kpi .sparkline svg").count()).toBeGreaterThanOrEqual(3);
});
