import { test, expect, open, signIn, uniqueEmail, uniquePhone } from "./fixtures";

test.beforeEach(async ({ page }) => signIn(page, "admin"));

/** A name no other test or earlier run has used. */
function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex");

test.describe("Importing legacy customer records", () => {
  test("item 6: the file's columns are mapped in a form with guesses, saved for the source", async ({ page, javaScriptEnabled }) => {
    const source = unique("crm");
    const tag = unique("m");
    const csv = `Customer No,E-mail,Mobile,Age,Joined\n${tag}-1,${tag}@example.com,${uniquePhone()},41,31/07/2020\n`;
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(source);
    await page.getByLabel("File").setInputFiles({ name: "crm.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Continue" }).click();

    await expect(page).toHaveURL(/upload=/);
    await expect(page.getByTestId("kept-file")).toContainText("crm.csv");
    await expect(page.locator("#target_0")).toHaveValue("external");
    await expect(page.locator("#key_0")).toHaveValue("customer_no");
    await expect(page.locator("#target_1")).toHaveValue("email");
    await expect(page.locator("#target_2")).toHaveValue("phone");
    await expect(page.locator("#type_3")).toHaveValue("number");
    await expect(page.locator("#type_4")).toHaveValue("date");
    await expect(page.getByLabel("Dates written with slashes")).toHaveValue("dmy");
    await page.getByRole("button", { name: "Import" }).click();

    await expect(page).toHaveURL(/\/settings\/import\/[0-9a-f]{24}$/);
    await expect(page.getByTestId("import-state")).toHaveText("done");
    await expect(page.getByTestId("import-summary")).toContainText("1 imported");

    // The next file of the same source opens with the saved mapping.
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(source);
    await page.getByLabel("File").setInputFiles({ name: "crm2.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.locator("#key_0")).toHaveValue("customer_no");
    await expect(page.locator("#type_4")).toHaveValue("date");
  });

  test("item 5: a bad phone or date is left out of its row and listed with line, column and value", async ({ page, javaScriptEnabled }) => {
    const tag = unique("w");
    const csv = `Id,E-mail,Mobile,Since\n${tag}-1,${tag}@example.com,12,sometime\n`;
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(unique("legacy"));
    await page.getByLabel("File").setInputFiles({ name: "legacy.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByText("Paste a mapping as TOML instead").click();
    await page.getByLabel("Column mapping (TOML)").fill('[columns]\nId = "external:crm_id"\n"E-mail" = "email"\nMobile = "phone"\nSince = "trait:since:date"\n');
    await page.getByRole("button", { name: "Continue" }).click();

    await expect(page.getByTestId("import-state")).toHaveText("done");
    await expect(page.getByTestId("import-summary")).toContainText("1 imported");
    const warnings = page.getByTestId("import-warnings");
    await expect(warnings.getByRole("row", { name: /Mobile/ })).toContainText("12");
    await expect(warnings.getByRole("row", { name: /Mobile/ })).toContainText("not a valid phone number");
    await expect(warnings.getByRole("row", { name: /Since/ })).toContainText("sometime");
    await expect(warnings.getByRole("row", { name: /Since/ })).toContainText("2");
  });

  test("item 7: a picture is refused up front, naming the problem beside the file, keeping the source", async ({ page, javaScriptEnabled }) => {
    const source = unique("crm");
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(source);
    await page.getByLabel("File").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Continue" }).click();

    await expect(page.locator("#file-error")).toContainText("PNG image");
    await expect(page.getByLabel("File")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("Source name")).toHaveValue(source);
  });

  test("item 7: missing columns are named and the file is kept for the next try", async ({ page, javaScriptEnabled }) => {
    const csv = `Id,Phone\n${unique("x")},${uniquePhone()}\n`;
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(unique("crm"));
    await page.getByLabel("File").setInputFiles({ name: "crm.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByText("Paste a mapping as TOML instead").click();
    await page.getByLabel("Column mapping (TOML)").fill('[columns]\nId = "external:crm_id"\nMobile = "phone"\n');
    await page.getByRole("button", { name: "Continue" }).click();

    await expect(page.getByTestId("form-error")).toContainText('"Mobile"');
    await expect(page.getByTestId("form-error")).toContainText("The file has: Id, Phone");
    await expect(page.getByTestId("kept-file")).toContainText("crm.csv");
    await page.locator("#target_1").selectOption("phone");
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByTestId("import-state")).toHaveText("done");
    await expect(page.getByTestId("import-summary")).toContainText("1 imported");
  });

  test("item 8: imported dates and text show as values on the customer page", async ({ page, javaScriptEnabled }) => {
    const tag = unique("d");
    const name = `Mina ${tag}`;
    const csv = `Id,Name,Joined\n${tag},${name},31.07.2020\n`;
    await open(page, "/settings/import", javaScriptEnabled);
    await page.getByLabel("Source name").fill(unique("eu"));
    await page.getByLabel("File").setInputFiles({ name: "eu.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByText("Paste a mapping as TOML instead").click();
    await page.getByLabel("Column mapping (TOML)").fill('[columns]\nId = "external:crm_id"\nName = "trait:name"\nJoined = "trait:joined:date"\n');
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByTestId("import-state")).toHaveText("done");

    await open(page, `/customers?q=${encodeURIComponent(tag)}`, javaScriptEnabled);
    await page.getByRole("link", { name }).click();
    await expect(page.getByTestId("trait-joined")).toContainText("2020-07-31");
    await expect(page.getByTestId("trait-name")).toContainText(name);
    await expect(page.getByTestId("trait-name")).not.toContainText(`"${name}"`);
  });

  test("item 2: Add customer stores a +82 phone as an identity; item 9: a duplicate email links to the customer", async ({ page, javaScriptEnabled, allowHttpError }) => {
    allowHttpError(/\/api\/customers\/add/, 409);
    const email = uniqueEmail("kim");
    const name = `Kim ${unique("k")}`;
    const digits = `2${Math.floor(Math.random() * 1e3).toString().padStart(3, "0")}${Math.floor(Math.random() * 1e4).toString().padStart(4, "0")}`;
    const phone = `+82 10 ${digits.slice(0, 4)} ${digits.slice(4)}`;
    await open(page, "/customers", javaScriptEnabled);
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Phone").fill(phone);
    await page.getByRole("button", { name: "Add customer" }).click();
    await expect(page.getByRole("row", { name: new RegExp(email) })).toBeVisible();

    await open(page, "/customers", javaScriptEnabled);
    await page.getByLabel("Name").fill("Someone Else");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Add customer" }).click();
    await expect(page.locator("#email-error")).toContainText("already exists");
    await page.getByTestId("existing-customer").click();
    await expect(page.getByTestId("customer-name")).toHaveText(name);
    await expect(page.getByTestId("identities")).toContainText(`+8210${digits}`);
  });
});
