import { test, expect, open, signIn } from "./fixtures";
import type { Page } from "@playwright/test";

// Issue 19: matching's settings round-trip, a full run, and the review queue (approve, reject,
// undo). Each run compares trait paths of its own, so no other spec's customers take part.

function api(page: Page) {
  return { accept: "application/json", origin: new URL(page.url()).origin };
}

const GIVEN = ["Minjun", "Seoyeon", "Jiho", "William", "Ana", "Pedro", "Sofia", "Daniel", "Yuna", "Carlos", "Teresa", "Hyunwoo"];
const FAMILY = ["Kim", "Lee", "Park", "Silva", "Costa", "Smith", "Choi", "Santos", "Jung", "Brown"];
const STREETS = ["Seoul-ro", "Teheran-ro", "Rua Augusta", "High Street", "Oak Avenue", "Eulji-ro"];

/** Identifies `people` (trait name → value, under this run's prefix) with a new source's key. */
async function identify(page: Page, prefix: string, people: Record<string, string>[]): Promise<void> {
  const created = await page.request.post("/api/sources/create", { form: { name: `${prefix}-src` }, headers: api(page) });
  expect(created.status(), await created.text()).toBe(200);
  const key: string = (await created.json()).key;
  const batch = people.map((traits, i) => ({
    type: "identify",
    anonymousId: `${prefix}-person-${i}`,
    traits: Object.fromEntries(Object.entries(traits).map(([k, v]) => [`${prefix}_${k}`, v])),
  }));
  const reply = await page.request.post("/v1/batch", {
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
    data: { batch },
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

/** Sixty different people, then three pairs of one person written two ways. */
function people(): Record<string, string>[] {
  const list: Record<string, string>[] = [];
  for (let i = 0; i < 60; i++) {
    const year = 1950 + ((i * 7) % 50);
    list.push({
      first: GIVEN[i % GIVEN.length], last: FAMILY[(i * 3) % FAMILY.length],
      birth: `${year}-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 27) + 1).padStart(2, "0")}`,
      street: `${i + 1} ${STREETS[i % STREETS.length]}`,
    });
  }
  list.push({ first: "Katherine", last: "Pereira", birth: "1979-11-23", street: "45 Rua Augusta" });
  list.push({ first: "Kate", last: "Perreira", birth: "1979-11-28", street: "45 Rua Augusta" });
  list.push({ first: "Bartholomew", last: "Okonkwo", birth: "1966-04-09", street: "3 Eulji-ro" });
  list.push({ first: "Bartholomew", last: "Okonkwo", birth: "1966-09-04", street: "3 Euljiro" });
  list.push({ first: "Anastasia", last: "Wozniak", birth: "1991-02-17", street: "8 Oak Avenue" });
  list.push({ first: "Anastasia", last: "Wozniack", birth: "1991-02-17", street: "" });
  return list;
}

async function fillSettings(page: Page, prefix: string, review: string, auto: string): Promise<void> {
  await page.getByLabel("Given name").fill(`${prefix}_first`);
  await page.getByLabel("Family name").fill(`${prefix}_last`);
  for (const label of ["Full name", "Postcode", "City", "Phone", "Email", "Identifier"]) {
    await page.getByLabel(label, { exact: true }).fill("");
  }
  await page.getByLabel("Birth date").fill(`${prefix}_birth`);
  await page.getByLabel("Address", { exact: true }).fill(`${prefix}_street`);
  await page.getByLabel("Review at or above (%)").fill(review);
  await page.getByLabel("Merge automatically at or above (%)").fill(auto);
}

test("a steward's journey: settings round-trip, a run, approve, reject and undo", async ({ page, javaScriptEnabled, allowHttpError }) => {
  test.setTimeout(180_000);
  allowHttpError(/\/api\/matching\/save/, 400);
  const prefix = `m${Date.now()}${javaScriptEnabled ? "h" : "n"}`;
  await signIn(page, "admin");
  await open(page, "/settings/matching", javaScriptEnabled);
  await identify(page, prefix, people());

  // A wrong threshold is refused beside its field, and nothing is saved.
  await fillSettings(page, prefix, "120", "99.99");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.locator("#review_at-error")).toContainText("between 1 and 99.9999");
  await expect(page.getByLabel("Review at or above (%)")).toHaveAttribute("aria-invalid", "true");
  // With JavaScript the form keeps what was typed beside the error.
  if (javaScriptEnabled) await expect(page.getByLabel("Review at or above (%)")).toHaveValue("120");

  // Every input round-trips through save and reload.
  await open(page, "/settings/matching", javaScriptEnabled);
  await fillSettings(page, prefix, "2", "99.9999");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByTestId("form-saved")).toContainText("Matching settings saved");
  await open(page, "/settings/matching", javaScriptEnabled);
  await expect(page.getByLabel("Given name")).toHaveValue(`${prefix}_first`);
  await expect(page.getByLabel("Family name")).toHaveValue(`${prefix}_last`);
  await expect(page.getByLabel("Birth date")).toHaveValue(`${prefix}_birth`);
  await expect(page.getByLabel("Address", { exact: true })).toHaveValue(`${prefix}_street`);
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue("");
  await expect(page.getByLabel("Review at or above (%)")).toHaveValue("2");
  await expect(page.getByLabel("Merge automatically at or above (%)")).toHaveValue("99.9999");

  // A run, with its summary.
  const run = page.getByTestId("matching-run");
  await run.getByRole("button", { name: "Run matching now" }).click();
  if (!javaScriptEnabled) await open(page, "/settings/matching", javaScriptEnabled);
  await expect(run.getByTestId("summary-queued")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("band-preview")).toBeVisible();
  if (javaScriptEnabled) {
    // The preview counts the typed thresholds before anything is saved.
    await page.getByLabel("Merge automatically at or above (%)").fill("30");
    await expect(page.getByTestId("preview-auto")).not.toHaveText("0");
  }

  // The queue: the story's pairs, field by field.
  await open(page, "/customers/matches", javaScriptEnabled);
  const cards = page.getByTestId("match-pair");
  await expect(cards.first()).toBeVisible();
  const pairs = await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-pair")));
  expect(pairs.length).toBeGreaterThanOrEqual(2);
  const okonkwo = cards.filter({ hasText: "Bartholomew" }).first();
  await expect(okonkwo.getByTestId(`evidence-${prefix}_birth`)).toContainText("day/month swapped");
  await expect(okonkwo.getByTestId(`evidence-${prefix}_first`)).toContainText("✓ same");

  // Approve the first pair, reject the second: with the keyboard, or the buttons without it.
  const [first, second] = pairs as string[];
  if (javaScriptEnabled) {
    await page.keyboard.press("a");
  } else {
    await cards.first().getByRole("button", { name: "Approve (merge)" }).click();
  }
  await expect(page.locator(`[data-pair="${first}"]`)).toHaveCount(0);
  if (javaScriptEnabled) {
    await page.keyboard.press("r");
  } else {
    await page.locator(`[data-pair="${second}"]`).getByRole("button", { name: "Reject" }).click();
  }
  await expect(page.locator(`[data-pair="${second}"]`)).toHaveCount(0);

  // The approved merge is undone from the decided pairs; the rejected one stays rejected.
  await open(page, "/customers/matches?decision=approved", javaScriptEnabled);
  const approved = page.locator(`[data-pair="${first}"]`);
  await approved.getByRole("button", { name: "Undo merge" }).click();
  // The undo is done once the pair has left the approved list (it is unmerged now).
  await expect(approved).toHaveCount(0);
  await open(page, "/customers/matches?decision=unmerged", javaScriptEnabled);
  await expect(page.locator(`[data-pair="${first}"]`)).toBeVisible();
  await open(page, "/customers/matches?decision=rejected", javaScriptEnabled);
  await expect(page.locator(`[data-pair="${second}"]`)).toContainText("rejected");

  // Back to the defaults for the demo data that runs later.
  await open(page, "/settings/matching", javaScriptEnabled);
  await page.getByLabel("Given name").fill("firstName");
  await page.getByLabel("Family name").fill("lastName");
  await page.getByLabel("Full name").fill("name");
  await page.getByLabel("Birth date").fill("birthday");
  await page.getByLabel("Address", { exact: true }).fill("address.street");
  await page.getByLabel("Postcode").fill("address.postalCode");
  await page.getByLabel("City").fill("address.city");
  await page.getByLabel("Phone").fill("phone");
  await page.getByLabel("Email", { exact: true }).fill("email");
  await page.getByLabel("Review at or above (%)").fill("50");
  await page.getByLabel("Merge automatically at or above (%)").fill("99.9");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByTestId("form-saved")).toBeVisible();
});

test("a marketer sees the queue masked and cannot decide", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "marketer");
  await open(page, "/customers/matches?decision=all", javaScriptEnabled);
  await expect(page.getByTestId("role-note")).toContainText("masked");
  await expect(page.getByRole("button", { name: "Approve (merge)" })).toHaveCount(0);
  await expect(page.getByText("Katherine")).toHaveCount(0);
});
