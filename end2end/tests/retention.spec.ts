import { Page } from "@playwright/test";
import { test, expect, open, signIn } from "./fixtures";

// Issue 20 item 2: retention per kind of record, saved and shown again after a reload.
test.beforeEach(async ({ page }) => signIn(page, "admin"));

const kinds = ["events", "campaign_messages", "segment_transitions", "in_app_messages", "audit_log", "import_files"] as const;

function days(page: Page, kind: string) {
  return page.locator(`#retention-${kind}-days`);
}

function archive(page: Page, kind: string) {
  return page.locator(`#retention-${kind}-archive`);
}

async function saveRules(page: Page, values: Record<string, string>, archived: string[]) {
  for (const kind of kinds) {
    await days(page, kind).fill(values[kind]);
    await archive(page, kind).setChecked(archived.includes(kind));
  }
  await page.getByRole("button", { name: "Save retention" }).click();
}

test("retention rules are checked, saved, kept after a reload, and a sweep reports", async ({ page, javaScriptEnabled, allowHttpError }) => {
  allowHttpError(/\/api\/retention\/save/, 400);
  await open(page, "/settings/retention", javaScriptEnabled);
  await expect(page.getByRole("heading", { name: "Last sweep" })).toBeVisible();

  // Events shorter than conversion windows, campaign messages shorter than frequency caps, too
  // short an audit log and too long a history: all named, nothing saved.
  await saveRules(page, { events: "30", campaign_messages: "100", segment_transitions: "5000", in_app_messages: "30", audit_log: "7", import_files: "1" }, []);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Keep events for at least 92 days, or 0 to keep them forever");
  await expect(alert).toContainText("Keep campaign messages for at least 366 days, or 0 to keep them forever");
  await expect(alert).toContainText("Segment entries and exits: at most 3650 days (0 keeps forever)");
  await expect(alert).toContainText("Keep audit log for at least 90 days, or 0 to keep them forever");
  await open(page, "/settings/retention", javaScriptEnabled);
  await expect(days(page, "audit_log")).not.toHaveValue("7");
  await expect(days(page, "events")).not.toHaveValue("30");

  await saveRules(page, { events: "1500", campaign_messages: "800", segment_transitions: "400", in_app_messages: "30", audit_log: "365", import_files: "2" }, ["segment_transitions", "events"]);
  if (javaScriptEnabled) await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await expect(days(page, "events")).toHaveValue("1500");
  await expect(days(page, "campaign_messages")).toHaveValue("800");
  await expect(archive(page, "events")).toBeChecked();
  await expect(archive(page, "campaign_messages")).not.toBeChecked();
  await expect(days(page, "segment_transitions")).toHaveValue("400");
  await expect(days(page, "in_app_messages")).toHaveValue("30");
  await expect(days(page, "audit_log")).toHaveValue("365");
  await expect(days(page, "import_files")).toHaveValue("2");
  await expect(archive(page, "segment_transitions")).toBeChecked();
  await expect(archive(page, "in_app_messages")).not.toBeChecked();

  await open(page, "/settings/retention", javaScriptEnabled);
  await page.getByRole("button", { name: "Sweep now" }).click();
  await expect(page.getByRole("region", { name: "Last sweep" })).toContainText("records deleted");

  // Back to the defaults for the other specs.
  await open(page, "/settings/retention", javaScriptEnabled);
  await saveRules(page, { events: "0", campaign_messages: "0", segment_transitions: "0", in_app_messages: "0", audit_log: "0", import_files: "1" }, []);
  // Hydrated, the save is a fetch: reload only once it answered.
  if (javaScriptEnabled) await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await expect(days(page, "segment_transitions")).toHaveValue("0");
  await expect(days(page, "events")).toHaveValue("0");
  await expect(archive(page, "segment_transitions")).not.toBeChecked();
  await expect(archive(page, "events")).not.toBeChecked();
});

test("an analyst reads the rules but cannot change them", async ({ page, javaScriptEnabled }) => {
  await signIn(page, "analyst");
  await open(page, "/settings/retention", javaScriptEnabled);
  await expect(page.getByText("Only admins can change retention.")).toBeVisible();
  await expect(days(page, "audit_log")).toBeDisabled();
  await expect(page.getByRole("button", { name: "Save retention" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Sweep now" })).toHaveCount(0);
});
