import { APIRequestContext } from "@playwright/test";
import { createHmac } from "node:crypto";
import { test, expect, open, signIn } from "./fixtures";

test.beforeEach(async ({ page }) => signIn(page, "admin"));

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A user token for `userId`, signed the way the README tells a customer's backend to. */
function userToken(serverKey: string, keyId: string, userId: string, ttlSeconds = 600): string {
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  const signed = `ut1.${keyId}.${exp}.${Buffer.from(userId, "utf8").toString("base64url")}`;
  const tag = createHmac("sha256", serverKey).update(signed).digest("base64url");
  return `${signed}.${tag}`;
}

/** The status of reading `user`'s in-app messages with `credential` as a bearer. */
async function inboxStatus(request: APIRequestContext, credential: string, user: string): Promise<number> {
  const reply = await request.get(`/v1/profiles/${encodeURIComponent(user)}/messages`, {
    headers: { authorization: `Bearer ${credential}` },
  });
  return reply.status();
}

test("a server key is shown once with its key id, reads and signs tokens, then is revoked", async ({ page, request, javaScriptEnabled }) => {
  const source = unique("backend");
  await open(page, "/settings", javaScriptEnabled);
  await page.getByLabel("Name").fill(source);
  await page.getByRole("button", { name: "Create source" }).click();
  await expect(page.getByTestId("new-key-value")).toHaveText(/^wk_/);

  await page.getByRole("button", { name: `New server key for ${source}`, exact: true }).click();
  const notice = page.getByTestId("new-server-key");
  await expect(notice).toContainText(`New server key for ${source}.`);
  const key = (await page.getByTestId("new-server-key-value").textContent())!.trim();
  const keyId = (await page.getByTestId("new-server-key-id").textContent())!.trim();
  expect(key).toMatch(/^sk_[A-Za-z0-9_-]{86}$/);
  expect(keyId).toMatch(/^[0-9a-f]{24}$/);

  // The key reads anyone (a person never seen gets an empty inbox, not a 404); a token it
  // signs reads only the person it names.
  const user = unique("reader");
  expect(await inboxStatus(request, key, user)).toBe(200);
  expect(await inboxStatus(request, userToken(key, keyId, user), user)).toBe(200);
  expect(await inboxStatus(request, userToken(key, keyId, user), `${user}-other`)).toBe(401);

  // After a reload only the prefix and the key id are left.
  await page.reload();
  await expect(page.getByTestId("new-server-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key);
  const prefix = key.slice(0, 9);
  const row = page.getByRole("row", { name: new RegExp(source) });
  const listed = row.getByTestId("server-key-row");
  await expect(listed).toHaveCount(1);
  await expect(listed).toContainText(`${prefix}… id ${keyId}`);

  await row.getByRole("button", { name: `Revoke server key ${prefix}`, exact: true }).click();
  await expect(page.getByRole("row", { name: new RegExp(source) }).getByTestId("server-key-row")).toContainText("revoked");
  await expect(page.getByRole("button", { name: `Revoke server key ${prefix}`, exact: true })).toHaveCount(0);
  expect(await inboxStatus(request, key, user)).toBe(401);
  expect(await inboxStatus(request, userToken(key, keyId, user), user)).toBe(401);
});
