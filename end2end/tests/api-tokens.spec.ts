import { APIRequestContext } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

// Issue 20 item 9: personal admin API tokens for scripts.
test.beforeEach(async ({ page }) => signIn(page, "admin"));

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** What a script gets calling server fn `endpoint` with `token` and nothing else. */
async function scriptStatus(request: APIRequestContext, token: string, endpoint: string): Promise<number> {
  const reply = await request.post(`/api/${endpoint}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    form: {},
  });
  return reply.status();
}

test("a token is created with a role and lifetime, shown once, works for a script, and is revoked", async ({ page, request, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/api\/tokens\/create/, 400);
  await open(page, "/settings/tokens", javaScriptEnabled);
  const form = page.locator("form", { has: page.getByRole("button", { name: "Create token" }) });

  // Nothing named: the field says so and nothing is created.
  await form.getByLabel("Name").fill("");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.locator("#name-error")).toHaveText("Name is required");
  await expect(page.getByTestId("new-token")).toHaveCount(0);

  const name = unique("export script");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Role").selectOption("marketer");
  await form.getByLabel("Expires").selectOption({ label: "1 year" });
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByTestId("new-token")).toContainText(`New token “${name}”.`);
  const secret = (await page.getByTestId("new-token-value").textContent())!.trim();
  expect(secret).toMatch(/^enr_pat_[A-Za-z0-9_-]{43}$/);

  // A script with the token alone: the marketer's rights, no more.
  expect(await scriptStatus(request, secret, "segments/list")).toBe(200);
  expect(await scriptStatus(request, secret, "users/list")).toBe(403);

  // After a reload: no secret, and the row keeps what was chosen.
  await page.reload();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText(secret.slice(0, 14) + "…");
  await expect(row.getByRole("cell").nth(0)).toHaveText("marketer");
  await expect(row).toContainText("admin@e2e.test");
  const nextYear = String(new Date().getUTCFullYear() + 1);
  await expect(row.getByRole("cell").nth(3)).toContainText(nextYear);
  await expect(row.getByRole("cell").nth(4)).not.toHaveText("Never");

  await row.getByRole("button", { name: `Revoke ${name}`, exact: true }).click();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Revoked");
  await expect(page.getByRole("button", { name: `Revoke ${name}`, exact: true })).toHaveCount(0);
  expect(await scriptStatus(request, secret, "segments/list")).toBe(401);
});
