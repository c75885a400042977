// Issue 17: a customer's website (another origin) sends events with the Segment and RudderStack
// browser SDKs, and the events show on the customer page. Hydrated project only (see
// playwright.config.ts): the SDKs are scripts run in the page.
import { Page } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";
import { FRESH_VISITOR, Site } from "./sdk-pages";

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const APP = new URL(process.env.ENRICH_E2E_BASE_URL ?? "http://127.0.0.1:3000").origin;
const APP_HOST = new URL(APP).host;

/** The three calls every set-up makes: an anonymous page and track, then identify. */
function calls(v: string, user: string): string {
  return `
${v}.page();
${v}.track('Product Viewed', { category: 'shoes' });
${v}.identify('${user}', { plan: 'pro', name: 'Sdk ${user}' });`;
}

/** Inline Segment settings: events go to enrich's /v1 over http, no metrics. */
function inlineSettings(key: string) {
  return { integrations: { "Segment.io": { apiKey: key, apiHost: `${APP_HOST}/v1`, protocol: "http" } }, metrics: { sampleRate: 0 } };
}

function segmentUmdPage(loadArgs: string, user: string): string {
  return `<!doctype html><html lang="en"><head><title>Segment UMD ${user}</title>${FRESH_VISITOR}</head><body>
<script src="/sdk/@segment/analytics-next/dist/umd/index.js"></script>
<script>
window.__sdk = {};
const analytics = AnalyticsNext.AnalyticsBrowser.load(${loadArgs});
analytics.then(([a]) => { window.__sdk.anonymousId = a.user().anonymousId(); })
  .catch((e) => { window.__sdk.error = String(e); });
${calls("analytics", user)}
</script></body></html>`;
}

function segmentStandalonePage(key: string, user: string): string {
  return `<!doctype html><html lang="en"><head><title>Segment standalone ${user}</title>${FRESH_VISITOR}</head><body>
<script>
  window.analytics = Object.assign([], { _writeKey: '${key}', _cdn: '${APP}', _loadOptions: {} });
  ['page', 'track', 'identify'].forEach(function (m) {
    window.analytics[m] = function () { window.analytics.push([m].concat([].slice.call(arguments))); };
  });
  ${calls("window.analytics", user)}
  window.__sdk = {};
  (function wait() {
    if (window.analytics && window.analytics.initialized) window.__sdk.anonymousId = window.analytics.user().anonymousId();
    else setTimeout(wait, 50);
  })();
</script>
<script async src="${APP}/analytics.js/v1/${key}/analytics.min.js"></script>
</body></html>`;
}

function rudderPage(key: string, user: string): string {
  return `<!doctype html><html lang="en"><head><title>RudderStack ${user}</title>${FRESH_VISITOR}</head><body>
<script type="module">
import { RudderAnalytics } from '/sdk/@rudderstack/analytics-js/dist/npm/modern/bundled/esm/index.mjs';
window.__sdk = {};
const rudderanalytics = new RudderAnalytics();
rudderanalytics.load('${key}', '${APP}', { configUrl: '${APP}' });
rudderanalytics.ready(() => { window.__sdk.anonymousId = rudderanalytics.getAnonymousId(); });
${calls("rudderanalytics", user)}
</script></body></html>`;
}

/** Creates an API source in Settings → Sources and returns its name and write key. */
async function createSource(page: Page): Promise<{ source: string; key: string }> {
  const source = unique("website");
  await open(page, "/settings", true);
  await page.getByLabel("Name").fill(source);
  await page.getByRole("button", { name: "Create source" }).click();
  await expect(page.getByTestId("new-key-value")).toHaveText(/^wk_/);
  const key = (await page.getByTestId("new-key-value").textContent())!.trim();
  return { source, key };
}

/** The "Websites" panel of `source`. */
function webPanel(page: Page, source: string) {
  return page.getByTestId("web-panel").filter({ has: page.getByRole("heading", { name: `Website: ${source}`, exact: true }) });
}

/** Opens the customer page of the person with `user` as user id. */
async function openCustomer(page: Page, user: string): Promise<void> {
  await expect(async () => {
    await open(page, `/customers?q=${encodeURIComponent(user)}`, true);
    await expect(page.getByRole("link", { name: `Sdk ${user}` })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await page.getByRole("link", { name: `Sdk ${user}` }).click();
  await expect(page.getByTestId("customer-name")).toHaveText(`Sdk ${user}`);
}

type Visit = { name: string; user: string; anonymousId: string; url: string };

test("a website's origin is allowed per source, and four SDK set-ups' events build one customer each", async ({ page, allowHttpError }) => {
  test.setTimeout(180_000);
  const site = await Site.start();
  const stranger = await Site.start();
  try {
    await signIn(page, "admin");
    const { source, key } = await createSource(page);

    // Allowed origins: a wrong one is refused with the reason, the site's own round-trips.
    const panel = webPanel(page, source);
    await expect(panel).toHaveCount(1);
    const origins = panel.getByLabel("Allowed origins");
    allowHttpError(/\/api\/sources\/origins$/, 400);
    await origins.fill("shop.example/path");
    await panel.getByRole("button", { name: "Save origins" }).click();
    await expect(panel).toContainText('Allowed origins: "shop.example/path" must be a web origin like');
    await expect(origins).toHaveAttribute("aria-invalid", "true");
    await origins.fill(site.origin);
    await panel.getByRole("button", { name: "Save origins" }).click();
    await expect(panel.getByText("Allowed origins saved.")).toBeVisible();
    await page.reload();
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
    await expect(webPanel(page, source).getByLabel("Allowed origins")).toHaveValue(site.origin);
    await webPanel(page, source).locator("summary", { hasText: "Install" }).click();
    await expect(webPanel(page, source).getByTestId("install-script")).toContainText(`${APP}/analytics.js/v1/`);
    await expect(webPanel(page, source).getByTestId("install-npm")).toContainText(`cdnURL: "${APP}"`);

    // The session cookie would be shared with the site (cookies ignore the port), and each
    // set-up must be a new visitor: sign out here, sign in again to look.
    const setups: [string, (user: string) => string][] = [
      ["segment-cdn", (user) => segmentUmdPage(`{ writeKey: '${key}', cdnURL: '${APP}' }`, user)],
      ["segment-inline", (user) => segmentUmdPage(`{ writeKey: '${key}', cdnSettings: ${JSON.stringify(inlineSettings(key))} }`, user)],
      ["segment-standalone", (user) => segmentStandalonePage(key, user)],
      ["rudderstack", (user) => rudderPage(key, user)],
    ];
    const visits: Visit[] = [];
    for (const [name, html] of setups) {
      await page.context().clearCookies();
      const user = unique(`sdk-${name}`);
      const url = site.page(`/${name}.html`, html(user));
      // Wait until the identify call has been accepted (the last of the three calls).
      const identified = page.waitForResponse((r) =>
        r.url().startsWith(APP) && /\/v1\/(i|identify|batch|b)$/.test(new URL(r.url()).pathname) && r.request().method() === "POST"
        && (r.request().postData() ?? "").includes(user), { timeout: 20_000 });
      await page.goto(url);
      const reply = await identified;
      expect(reply.status(), `${name}: ${await reply.text()}`).toBe(200);
      expect(reply.headers()["access-control-allow-origin"], name).toBe(site.origin);
      await expect.poll(() => page.evaluate(() => (window as any).__sdk?.error ?? null), { message: name }).toBeNull();
      const anonymousId = await page.evaluate(async () => {
        for (let i = 0; i < 100 && !(window as any).__sdk?.anonymousId; i++) await new Promise((r) => setTimeout(r, 50));
        return (window as any).__sdk?.anonymousId as string;
      });
      expect(anonymousId, `${name}: anonymous id`).toBeTruthy();
      visits.push({ name, user, anonymousId, url });
    }

    // A page of an origin the source does not list is refused and stores nothing. Its own
    // page (not the fixture's) so that exactly the expected refusals are allowed.
    await page.context().clearCookies();
    const strangerUser = unique("sdk-stranger");
    const refused = await page.context().newPage();
    const seen: string[] = [];
    const denied: number[] = [];
    refused.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
    refused.on("requestfailed", (r) => {
      if (r.url().startsWith(`${APP}/v1/`)) denied.push(1);
      else seen.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    refused.on("response", (r) => {
      if (r.status() >= 400 && !(r.url().startsWith(`${APP}/v1/`) && r.status() === 403)) seen.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    refused.on("console", (m) => {
      if (m.type() !== "error") return;
      // Chromium reports the refused requests (CORS) to enrich's /v1 as console errors.
      if (m.text().includes(`${APP}/v1/`) || (m.location().url ?? "").startsWith(`${APP}/v1/`)) return;
      seen.push(`console error: ${m.text()}`);
    });
    const strangerHttp = await fetch(`${APP}/v1/t`, {
      method: "POST",
      headers: { origin: stranger.origin, "content-type": "text/plain", authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
      body: JSON.stringify({ type: "track", event: "Product Viewed", anonymousId: unique("probe"), userId: `${strangerUser}-probe` }),
    });
    expect(strangerHttp.status).toBe(403);
    expect(await strangerHttp.json()).toMatchObject({ error: "denied", field: "Origin" });
    expect(strangerHttp.headers.get("access-control-allow-origin")).toBeNull();
    await refused.goto(stranger.page("/stranger.html",
      segmentUmdPage(`{ writeKey: '${key}', cdnSettings: ${JSON.stringify(inlineSettings(key))} }`, strangerUser)));
    await expect.poll(() => denied.length, { message: "the stranger's requests are refused", timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    expect(seen, "nothing else went wrong on the stranger's page").toEqual([]);
    await refused.close();

    // As the product shows them: one customer per set-up with the last web visit, the
    // Product Viewed counter, and the anonymous visitor merged in by identify.
    await signIn(page, "admin");
    for (const v of visits) {
      await test.step(v.name, async () => {
        await openCustomer(page, v.user);
        await expect(page.getByTestId("identities")).toContainText(v.user);
        await expect(page.getByTestId("identities")).toContainText(v.anonymousId);
        await expect(page.getByText("Last web visit")).toContainText(new URL(v.url).pathname);
        await expect(page.getByTestId("counters").getByRole("row", { name: /Product Viewed/ })).toContainText("1");
        await expect(page.getByTestId("traits").getByRole("row", { name: /plan/ })).toContainText("pro");
      });
    }
    await open(page, `/customers?q=${encodeURIComponent(strangerUser)}`, true);
    await expect(page.getByRole("link", { name: new RegExp(strangerUser) })).toHaveCount(0);
    await expect(page.locator("body")).not.toContainText(`Sdk ${strangerUser}`);
  } finally {
    await site.stop();
    await stranger.stop();
  }
});
