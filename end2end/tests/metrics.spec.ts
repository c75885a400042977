import { test, expect, open, signIn } from "./fixtures";

// Issue 20 item 1: the running server's metrics listener (ENRICH_METRICS_ADDR).
test("the metrics listener answers Prometheus text whose page counts move", async ({ page, request, javaScriptEnabled }) => {
  const url = process.env.E2E_METRICS_URL;
  if (!url) throw new Error("E2E_METRICS_URL is not set: run the browser tests with `make test`");
  const pages = async (): Promise<number> => {
    const reply = await request.get(url);
    expect(reply.status()).toBe(200);
    expect(reply.headers()["content-type"]).toContain("text/plain");
    const text = await reply.text();
    return text
      .split("\n")
      .filter((line) => line.startsWith('enrich_http_requests_total{group="pages"'))
      .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
  };
  const before = await pages();
  await signIn(page, "analyst");
  await open(page, "/customers", javaScriptEnabled);
  await expect.poll(pages).toBeGreaterThanOrEqual(before + 2);
  // Not on the app's port without an admin's credentials.
  const onApp = await request.get("/metrics");
  expect(onApp.status()).toBe(401);
});
