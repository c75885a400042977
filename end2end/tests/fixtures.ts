import { test as base, expect, Page } from "@playwright/test";

/** An HTTP error status a test expects, e.g. a 400 from submitting an invalid form. */
type AllowedError = { url: RegExp; status: number };

/**
 * Every test fails on a browser console error, an uncaught page error or a failed request,
 * which is how hydration bugs show. A test may declare the HTTP errors it provokes on purpose.
 */
export const test = base.extend<{ allowHttpError: (url: RegExp, status: number) => void }>({
  allowHttpError: [async ({ page, javaScriptEnabled }, use) => {
    const allowed: AllowedError[] = [];
    const problems: string[] = [];
    const isAllowed = (url: string, status: number) =>
      allowed.some((a) => a.status === status && a.url.test(url));
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("requestfailed", (req) => {
      const reason = req.failure()?.errorText;
      // The browser abandoning a request because the page navigated away is not a failure
      // (server errors still show as HTTP statuses above).
      if (reason === "net::ERR_ABORTED") return;
      // With JavaScript disabled Chromium refuses the module preload: the bundle cannot run there.
      if (!javaScriptEnabled && reason === "csp" && new URL(req.url()).pathname.startsWith("/pkg/")) return;
      problems.push(`request failed: ${req.url()} ${reason}`);
    });
    page.on("response", (res) => {
      if (res.status() >= 400 && !isAllowed(res.url(), res.status())) {
        problems.push(`HTTP ${res.status()}: ${res.url()}`);
      }
    });
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const status = /status of (\d{3})/.exec(msg.text());
      const url = msg.location().url ?? "";
      if (status && isAllowed(url, Number(status[1]))) return;
      // The same refused preload of the bundle, reported as a console message (with JavaScript
      // disabled Chromium sometimes reports it both ways).
      if (!javaScriptEnabled && /violates the following Content Security Policy/.test(msg.text())
        && /\/pkg\//.test(msg.text())) return;
      problems.push(`console error: ${msg.text()} (${url})`);
    });
    await use((url, status) => allowed.push({ url, status }));
    expect(problems, "browser problems during the test").toEqual([]);
  }, { auto: true }],
});

export { expect };

/**
 * Next middle block of `uniquePhone`, from a random start so reruns rarely meet. Kept within
 * 6000–9999: Korea's numbering plan (libphonenumber's metadata, which the server validates
 * with) has no 010-5970 to 010-5999 mobiles, and a draw there failed the test that used it.
 */
let phoneSerial = 6000 + Math.floor(Math.random() * 4000);
/**
 * The last block of this worker's numbers, drawn once: each Playwright project runs in its own
 * worker with its own serial, and two serials that start within a few dozen of each other would
 * otherwise hand out the same number (one in ~100 runs merged two tests' customers).
 */
export const phoneSuffix = String(Math.floor(Math.random() * 10000)).padStart(4, "0");

/**
 * A Korean mobile number (`+82 10 NNNN NNNN`) no other test of this run uses: a phone is an
 * identity, so a shared number would merge one test's customer into another's.
 */
export function uniquePhone(): string {
  phoneSerial = phoneSerial >= 9999 ? 6000 : phoneSerial + 1;
  return `+82 10 ${phoneSerial} ${phoneSuffix}`;
}

/** A unique email so tests never collide with each other or earlier runs. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Opens `path` and, with JavaScript on, waits until the WASM bundle has hydrated the page. */
export async function open(page: Page, path: string, javaScriptEnabled: boolean): Promise<void> {
  await page.goto(path);
  if (javaScriptEnabled) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  }
}

/** The roles the test command creates users for (`<role>@e2e.test`, password in E2E_PASSWORD). */
export type Role = "admin" | "marketer" | "analyst" | "support" | "steward";

/** Signs `page` in as the test user with `role` through the sign-in form. */
export async function signIn(page: Page, role: Role): Promise<void> {
  const password = process.env.E2E_PASSWORD;
  if (!password) throw new Error("E2E_PASSWORD is not set: run the browser tests with `make test`");
  await page.goto("/login");
  await page.getByLabel("Email").fill(`${role}@e2e.test`);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toContainText(`${role}@e2e.test`);
}
