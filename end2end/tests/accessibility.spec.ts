// axe-core from npm, run in the page at 1440 and 390 px. It runs in the hydrated project only
// (see playwright.config.ts): axe is a script, which a page without JavaScript cannot run, and
// the markup it checks there is the server-rendered HTML the no-JS project gets.
import { Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { test, expect, open } from "./fixtures";
import { LAPTOP, PHONE, mainPages, seed } from "./main-pages";

const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Serious and critical axe-core violations on the current page, one line each. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the app's Content-Security-Policy refuses inline
  // scripts, rightly.
  await page.evaluate(AXE_SOURCE);
  const found: { id: string; impact: string; nodes: string[] }[] = await page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const axe = (window as any).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")),
    }));
  });
  return found
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.join(" | ")}`);
}

test("every main page passes axe-core with no serious or critical violations", async ({ page, javaScriptEnabled }) => {
  test.setTimeout(360_000);
  const seeded = await seed(page, javaScriptEnabled);
  const problems: string[] = [];
  for (const [size, paths] of [[LAPTOP, mainPages(seeded)], [PHONE, mainPages(seeded)]] as const) {
    await page.setViewportSize(size);
    for (const path of paths) {
      await open(page, path, javaScriptEnabled);
      for (const v of await axeViolations(page)) problems.push(`${path} @${size.width}: ${v}`);
    }
  }
  await page.request.post("/auth/logout", { headers: { origin: new URL(page.url()).origin } });
  await open(page, "/login", javaScriptEnabled);
  for (const v of await axeViolations(page)) problems.push(`/login: ${v}`);
  expect(problems).toEqual([]);
});

