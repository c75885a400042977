// The main pages every layout and accessibility check opens, and what they need to exist.
import { Page } from "@playwright/test";
import { expect, open, signIn, uniqueEmail } from "./fixtures";

/** A phone's viewport. */
export const PHONE = { width: 390, height: 844 };
/** A laptop's viewport. */
export const LAPTOP = { width: 1440, height: 900 };

/** The ids of one customer, segment and campaign to open their pages. */
export type Seeded = { customer: string; segment: string; campaign: string };

/** As admin: a customer, a segment holding them and a draft campaign for it. */
export async function seed(page: Page, javaScriptEnabled: boolean): Promise<Seeded> {
  await signIn(page, "admin");
  const headers = { accept: "application/json", origin: new URL(page.url()).origin };
  const email = uniqueEmail("layout.a-rather-long-address-to-wrap");
  const marker = email.split("@")[0];
  const added = await page.request.post("/api/customers/add", {
    form: { name: "Layout Person With A Long Name", email },
    headers,
  });
  expect(added.status()).toBe(200);
  const customer = (await added.json()).id as string;
  const rule = JSON.stringify({ type: "trait", path: "traits.email", test: { op: "contains", text: marker } });
  const saved = await page.request.post("/api/segments/save", {
    form: { name: `Layout ${marker}`, description: "for the layout checks", rule },
    headers,
  });
  expect(saved.status()).toBe(200);
  const segment = String(await saved.json());
  await open(page, "/campaigns/new", javaScriptEnabled);
  await page.getByLabel("Name").first().fill(`Layout campaign ${marker}`);
  await page.getByRole("group", { name: "Send to members of" }).getByLabel(new RegExp(`Layout ${marker}`)).check();
  await page.getByLabel("Subject").first().fill("Hello");
  await page.getByLabel("Body").first().fill("A body");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Layout campaign ${marker}` })).toBeVisible();
  const campaign = new URL(page.url()).pathname.split("/").pop()!;
  return { customer, segment, campaign };
}

/** Every main page a signed-in admin opens. */
export function mainPages(s: Seeded): string[] {
  return [
    "/", "/customers", `/customers/${s.customer}`, "/customers/matches",
    "/segments", "/segments/new", `/segments/${s.segment}`,
    "/campaigns", "/campaigns/new", `/campaigns/${s.campaign}`,
    "/live", "/catalog",
    "/settings", "/settings/import", "/settings/computed", "/settings/channels",
    "/settings/fields", "/settings/users", "/settings/tokens", "/settings/audit", "/settings/matching",
    "/preferences",
  ];
}

