// The explorer in Chromium against a server loading two models (GLORIA_MODEL_DIRS): the header offers
// both, each with how much of the dataset it has encoded, and a search sent after choosing the second
// model names it and is answered from what that model has encoded.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { browserAvailable, BROWSER, launchBrowser } from "../helpers/browser.ts";
import { requires } from "../helpers/requirements.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const COUNT = 12;
/** Of the phantoms, the second model is given only the first dataset. */
const REINDEXED = "first";

describe.runIf(requires(browserAvailable(), BROWSER))("the explorer with two models", () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let second: string;
  const sent: Array<{ operation: string; model: unknown }> = [];

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-browser-models-"));
    await generatePhantoms({ out: path.join(base, "first"), count: COUNT, seed: 81, split: "test" });
    await generatePhantoms({ out: path.join(base, "second"), count: COUNT, seed: 82, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIRS: "models/gloria-phantom,tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: base });
    second = t.app.runtime!.models[1]!.model.id;
    for (const dataset of ["first", "second"]) {
      const { body } = await t.graphql<{ ingest: { ingested: number } }>(
        "mutation($d: String!, $p: String!) { ingest(input: { dataset: $d, path: $p }) { ingested } }",
        {
          d: dataset,
          p: path.join(base, dataset),
        },
      );
      expect(body.data?.ingest.ingested).toBe(COUNT);
    }
    const reindexed = await t.graphql<{ reindex: Array<{ status: string }> }>(
      "mutation($m: ID!, $d: String!) { reindex(input: { model: $m, datasets: [$d], async: false }) { status } }",
      {
        m: second,
        d: REINDEXED,
      },
    );
    expect(reindexed.body.data?.reindex[0]?.status).toBe("SUCCEEDED");
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
    page.on("request", (request) => {
      if (!request.url().endsWith("/graphql") || request.method() !== "POST") return;
      try {
        const body = JSON.parse(request.postData() ?? "{}") as { operationName?: string; variables?: { model?: unknown } };
        sent.push({ operation: body.operationName ?? "", model: body.variables?.model });
      } catch {
        // A multipart upload: not a search.
      }
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("offers both models with their coverage, and searches with the one chosen", async () => {
    await page.goto(`${t.app.url}/`);
    const choice = page.getByTestId("model-choice");
    await expect.poll(() => choice.locator("option").count()).toBe(2);
    const options = await choice.locator("option").allTextContents();
    expect(options[0]).toMatch(/gloria-phantom.*\(default\).*first 12\/12 · second 12\/12/);
    expect(options[1]).toContain(second);
    expect(options[1]).toMatch(/first 12\/12 · second 0\/12/);

    await choice.selectOption({ index: 1 });
    await page.getByTestId("search-text").fill("pleural effusion");
    await page.getByTestId("search-submit").click();
    const hits = page.getByTestId("hit");
    // Only the reindexed dataset is READY for the second model: its 12 images, none of the other's.
    await expect.poll(() => hits.count(), { timeout: 60_000 }).toBe(COUNT);
    expect(sent.filter((s) => s.operation === "ExplorerSearchImages").at(-1)?.model).toBe(second);

    await choice.selectOption({ index: 0 });
    await page.getByTestId("search-submit").click();
    await expect.poll(() => sent.filter((s) => s.operation === "ExplorerSearchImages").length).toBe(2);
    expect(sent.filter((s) => s.operation === "ExplorerSearchImages").at(-1)?.model ?? null).toBeNull();
  });
});
