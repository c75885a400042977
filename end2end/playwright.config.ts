import { defineConfig } from "@playwright/test";

// The app is started by tools/test.sh, which passes its address in ENRICH_E2E_BASE_URL.
const baseURL = process.env.ENRICH_E2E_BASE_URL ?? "http://127.0.0.1:3000";

// Debian's Chromium, never a downloaded browser. The networking flags stop Chromium from
// reaching out to Google services, which this machine's closed network refuses noisily.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

/** The spec that loads demo data. */
const DEMO_DATA = /demo-data\.spec\.ts/;
/** The demo shop's journey: it needs the demo data loaded, and JavaScript (the shop is a script). */
const DEMO_SHOP = /demo-shop\.spec\.ts/;
/** Specs whose pages are scripts (axe-core, the browser SDKs): a page without JavaScript cannot run them. */
const NEEDS_JS = [/accessibility\.spec\.ts/, /browser-sdk\.spec\.ts/];

export default defineConfig({
  testDir: "./tests",
  // Two cores run the server, the database and Chromium at once; a test that signs in three
  // times and loads a dozen pages took 25 s on a quiet run, so 30 s failed CI under load.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  use: { baseURL, launchOptions, trace: "retain-on-failure" },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true }, testIgnore: [DEMO_DATA, DEMO_SHOP] },
    // axe-core is a script run in the page: a page without JavaScript cannot run it (the markup
    // it checks in the hydrated project is the same server-rendered HTML).
    { name: "no-js", use: { javaScriptEnabled: false }, testIgnore: [DEMO_DATA, DEMO_SHOP, ...NEEDS_JS] },
    // Demo data puts 200 people and a burst of their events into the shared database, which
    // would crowd other specs' events out of the live page's top five and their people out of
    // lists: it runs after every other spec, both ways.
    {
      name: "demo-data-hydrated",
      use: { javaScriptEnabled: true },
      testMatch: DEMO_DATA,
      dependencies: ["hydrated", "no-js"],
    },
    // The demo shop's journey needs the demo data (segments, their exposed keys, the catalog).
    {
      name: "demo-shop",
      use: { javaScriptEnabled: true },
      testMatch: DEMO_SHOP,
      dependencies: ["demo-data-hydrated"],
    },
    {
      name: "demo-data-no-js",
      use: { javaScriptEnabled: false },
      testMatch: DEMO_DATA,
      dependencies: ["demo-data-hydrated"],
    },
  ],
});
