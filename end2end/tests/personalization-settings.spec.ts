// Issue 17: what websites may read, set in the product — a trait's exposure (Settings →
// Fields), a segment's key for websites (segment page), a source's allowed origins (Settings →
// Sources) — each round-trips through save and reload, and the personalization API serves it.
import { APIRequestContext, Page } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A trait key no other run has used (a letter, then a-z, 0-9 and _). */
function uniqueKey(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Creates an API source in Settings → Sources and returns its name and write key. */
async function createSource(page: Page, javaScriptEnabled: boolean): Promise<{ source: string; key: string }> {
  const source = unique("perso");
  await open(page, "/settings", javaScriptEnabled);
  await page.getByLabel("Name").fill(source);
  await page.getByRole("button", { name: "Create source" }).click();
  await expect(page.getByTestId("new-key-value")).toHaveText(/^wk_/);
  return { source, key: (await page.getByTestId("new-key-value").textContent())!.trim() };
}

async function identify(request: APIRequestContext, key: string, body: object): Promise<void> {
  const reply = await request.post("/v1/identify", {
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
    data: body,
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

test("a trait's exposure, a segment's key and allowed origins round-trip, and the personalization API serves them", async ({ page, request, javaScriptEnabled, allowHttpError }) => {
  test.setTimeout(120_000);
  await signIn(page, "admin");
  const { source, key } = await createSource(page, javaScriptEnabled);

  // A visitor with a new standard trait.
  const trait = uniqueKey("tier");
  const marker = unique("gold");
  const anonymousId = unique("visitor");
  await identify(request, key, { anonymousId, traits: { [trait]: marker } });

  // Settings → Fields: expose the trait, save, reload: still exposed.
  const expose = page.getByLabel(`Expose ${trait}`, { exact: true });
  await expect(async () => {
    await open(page, "/settings/fields", javaScriptEnabled);
    await expect(expose).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(expose).not.toBeChecked();
  await expose.check();
  const form = page.getByTestId("fields-table").locator("form").filter({ has: expose });
  const posted = page.waitForResponse((r) => r.request().method() === "POST");
  await form.getByRole("button", { name: "Save" }).click();
  expect((await posted).status()).toBeLessThan(400);
  await open(page, "/settings/fields", javaScriptEnabled);
  await expect(page.getByLabel(`Expose ${trait}`, { exact: true })).toBeChecked();
  // A personal trait shows a badge, no checkbox.
  await expect(page.getByLabel("Expose email", { exact: true })).toHaveCount(0);

  // A segment holding the visitor; its key for websites: a bad one is refused, a good one
  // round-trips, an empty one stops exposing it.
  const rule = JSON.stringify({ type: "trait", path: `traits.${trait}`, test: { op: "contains", text: marker } });
  const saved = await page.request.post("/api/segments/save", {
    form: { name: `Perso ${marker}`, description: "exposed to websites", rule },
    headers: { accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(saved.status()).toBe(200);
  const segment = String(await saved.json());
  const segmentKey = uniqueKey("vip");
  await open(page, `/segments/${segment}`, javaScriptEnabled);
  const card = page.getByRole("region", { name: "Personalization" });
  await expect(card.getByTestId("exposed-key")).toContainText("Not exposed");
  // A refused value answers 400 (the form shows why).
  allowHttpError(/\/api\/segments\/expose(\?|$)/, 400);
  allowHttpError(/\/api\/sources\/origins(\?|$)/, 400);
  await card.getByLabel("Key for websites").fill("Browsing Shoes");
  await card.getByRole("button", { name: "Save key" }).click();
  await expect(page.getByText("Key for websites must start with a letter and use only a-z, 0-9 and _")).toBeVisible();
  await page.getByRole("region", { name: "Personalization" }).getByLabel("Key for websites").fill(segmentKey);
  await page.getByRole("region", { name: "Personalization" }).getByRole("button", { name: "Save key" }).click();
  await expect(page.getByText("Saved: websites see the new key within seconds.")).toBeVisible();
  await open(page, `/segments/${segment}`, javaScriptEnabled);
  await expect(page.getByTestId("exposed-key")).toContainText(segmentKey);
  await expect(page.getByRole("region", { name: "Personalization" }).getByLabel("Key for websites")).toHaveValue(segmentKey);

  // The personalization API: the exposed trait and the segment's key for this visitor.
  const personalize = `/v1/personalize?${new URLSearchParams({ anonymousId, writeKey: key })}`;
  await expect(async () => {
    const reply = await request.get(personalize);
    expect(reply.status(), await reply.text()).toBe(200);
    const doc = await reply.json();
    expect(doc.anonymousId).toBe(anonymousId);
    expect(doc.traits).toMatchObject({ [trait]: marker });
    expect(doc.segments).toContain(segmentKey);
    expect(Array.isArray(doc.recommendations)).toBe(true);
    expect(doc.messages).toEqual([]);
    expect(typeof doc.updatedAt).toBe("string");
  }).toPass({ timeout: 15_000 });

  // An empty key un-exposes the segment: the card says so, the API stops listing it.
  await page.getByRole("region", { name: "Personalization" }).getByLabel("Key for websites").fill("");
  await page.getByRole("region", { name: "Personalization" }).getByRole("button", { name: "Save key" }).click();
  await expect(page.getByText("Saved: websites see the new key within seconds.")).toBeVisible();
  await open(page, `/segments/${segment}`, javaScriptEnabled);
  await expect(page.getByTestId("exposed-key")).toContainText("Not exposed");
  await expect(async () => {
    const doc = await (await request.get(personalize)).json();
    expect(doc.segments).not.toContain(segmentKey);
  }).toPass({ timeout: 15_000 });

  // Allowed origins: wrong values are refused with the reason and nothing is kept; good ones
  // round-trip, one per line.
  await open(page, "/settings", javaScriptEnabled);
  const panel = () => page.getByTestId("web-panel").filter({ has: page.getByRole("heading", { name: `Website: ${source}`, exact: true }) });
  for (const wrong of ["shop.example/path", "https://shop.example/path"]) {
    await panel().getByLabel("Allowed origins").fill(wrong);
    await panel().getByRole("button", { name: "Save origins" }).click();
    await expect(panel()).toContainText(`Allowed origins: "${wrong}" must be a web origin like`);
    // Only this source's form says so: every source has one, and they share a server fn.
    await expect(page.getByTestId("web-panel").filter({ hasText: "must be a web origin like" })).toHaveCount(1);
  }
  await open(page, "/settings", javaScriptEnabled);
  await expect(panel().getByLabel("Allowed origins")).toHaveValue("");
  await panel().getByLabel("Allowed origins").fill("https://shop.example\nhttp://localhost:8080");
  await panel().getByRole("button", { name: "Save origins" }).click();
  await expect(panel().getByText("Allowed origins saved.")).toBeVisible();
  await expect(page.getByText("Allowed origins saved.")).toHaveCount(1);
  await open(page, "/settings", javaScriptEnabled);
  await expect(panel().getByLabel("Allowed origins")).toHaveValue("https://shop.example\nhttp://localhost:8080");
});
