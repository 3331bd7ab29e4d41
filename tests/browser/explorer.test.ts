// The explorer and the GraphQL IDE in a real browser (Debian's Chromium), against the real server on
// phantoms with the trained demo model and authentication on: the key typed into the page, a
// report-to-image search whose top hits carry the queried finding, the attention overlay of "left"
// lying on the image's right half (the patient's left), an upload answered with its reports, an
// evaluation run shown as tables and a plot, and a query run in the bundled GraphiQL — with no
// request leaving this origin. `npm run screenshots` writes the pictures in docs/images.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { browserAvailable, BROWSER, launchBrowser, screenshotPath } from "../helpers/browser.ts";
import { requires } from "../helpers/requirements.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const MODEL = "models/gloria-phantom";
const COUNT = 120;

interface Details {
  findings: string[];
  findingDetails: Array<{ className: string; location: string | null }>;
}

/** Redness (R − B, the jet colour map's hot end) summed over each half of a PNG data URL. */
async function heatByHalf(dataUrl: string): Promise<{ left: number; right: number }> {
  const { data, info } = await sharp(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let left = 0;
  let right = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * info.channels;
      const heat = Math.max(0, data[i]! - data[i + 2]!);
      if (x < info.width / 2) left += heat;
      else right += heat;
    }
  }
  return { left, right };
}

describe.runIf(requires(browserAvailable(), BROWSER))("the explorer and the IDE in Chromium", () => {
  let t: TestApp;
  let phantoms: string;
  let key: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  const details = async (id: string): Promise<Details> => {
    const { body } = await t.graphql<{ image: Details }>(
      "query($id: ID!) { image(id: $id) { findings findingDetails { className location } } }",
      { id },
      { authorization: `Bearer ${key}` },
    );
    return body.data!.image;
  };
  const shoot = async (name: string) => {
    const file = screenshotPath(name);
    if (file) await page.screenshot({ path: file, type: "jpeg", quality: 80 });
  };

  beforeAll(async () => {
    phantoms = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-browser-"));
    await generatePhantoms({ out: phantoms, count: COUNT, seed: 77, split: "test" });
    t = await startTestApp({ GLORIA_MODEL_DIR: MODEL, AUTH: "on", INGEST_ROOTS: phantoms });
    key = (await t.app.services.auth.createKey("explorer", ["admin"])).key;
    const { body } = await t.graphql<{ ingest: { ingested: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "phantoms", path: $p }) { ingested failed } }',
      { p: phantoms },
      { authorization: `Bearer ${key}` },
    );
    expect(body.data?.ingest.ingested).toBe(COUNT);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const origin = new URL(t.app.url).origin;
    context.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) foreign.push(url);
    });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    fs.rmSync(phantoms, { recursive: true, force: true });
  });

  it("asks for a key when authentication is on, and works once it is typed", async () => {
    await page.goto(`${t.app.url}/`);
    await expect.poll(() => page.getByTestId("model").textContent()).toMatch(/key/i);
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => page.getByTestId("model").textContent()).toContain("gloria-phantom");
    expect(await page.evaluate('sessionStorage.getItem("gloria-search.apiKey")')).toBe(key);
  });

  it("finds effusion phantoms for a typed report, with scores, findings and thumbnails", async () => {
    await page.getByTestId("search-text").fill("large left pleural effusion");
    await page.getByTestId("search-submit").click();
    const hits = page.getByTestId("hit");
    await expect.poll(() => hits.count(), { timeout: 60_000 }).toBe(12);
    const top = await hits.evaluateAll((nodes) => nodes.slice(0, 5).map((n) => n.getAttribute("data-findings") ?? ""));
    for (const findings of top) expect(findings.split("|")).toContain("Pleural Effusion");
    const first = await hits.first().textContent();
    expect(first).toMatch(/#1 score -?\d\.\d{3}/);
    expect(first).toMatch(/local -?\d\.\d{3}/);
    // Thumbnails are decoded images, not broken links.
    const widths = await page
      .locator("[data-testid=hit] img")
      .evaluateAll((imgs) => imgs.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
    expect(widths.every((w) => w > 0)).toBe(true);
  });

  it("lays the attention of “left” on the image's right half for a left effusion", async () => {
    // The page shows findings, not their side: the API tells which hits are left effusions.
    const search = await t.graphql<{ searchImages: Array<{ image: { id: string } }> }>(
      '{ searchImages(text: "large left pleural effusion", first: 12, rerank: { enabled: true, candidates: 100 }) { image { id } } }',
      undefined,
      { authorization: `Bearer ${key}` },
    );
    let index = -1;
    for (const [i, hit] of search.body.data!.searchImages.entries()) {
      const d = await details(hit.image.id);
      if (d.findingDetails.some((f) => f.className === "Pleural Effusion" && f.location === "left")) {
        index = i;
        break;
      }
    }
    expect(index).toBeGreaterThanOrEqual(0);
    await page.getByTestId("hit").nth(index).locator("button.thumb").click();
    const word = page.locator("[data-testid=word][data-word=left]");
    await word.waitFor({ timeout: 60_000 });
    await word.click();
    const overlay = page.getByTestId("attention-overlay");
    await overlay.waitFor();
    expect(await overlay.getAttribute("data-word")).toBe("left");
    const box = await overlay.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    const heat = await heatByHalf((await overlay.getAttribute("src"))!);
    expect(heat.right).toBeGreaterThan(heat.left);
    await shoot("explorer-search");
  });

  it("filters out a finding, pages on demand, and pushes a marked image away", async () => {
    await page.locator("[data-testid=findings-none] label", { hasText: "Pleural Effusion" }).locator("input").check();
    await page.getByTestId("search-submit").click();
    const hits = page.getByTestId("hit");
    await expect
      .poll(async () => (await hits.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-findings") ?? ""))).join(";"), { timeout: 60_000 })
      .not.toContain("Pleural Effusion");
    expect(await hits.count()).toBe(12);
    await page.getByTestId("more").click();
    await expect.poll(() => hits.count(), { timeout: 60_000 }).toBe(24);
    const ids = await page.locator("[data-testid=hit] img").evaluateAll((imgs) => imgs.map((img) => img.getAttribute("src")));
    expect(new Set(ids).size).toBe(24);
    const findings = await hits.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-findings") ?? ""));
    expect(findings.some((f) => f.includes("Pleural Effusion"))).toBe(false);
    // Mark the first hit "less like this": it leaves the results and shows as an example.
    const first = await page.locator("[data-testid=hit] img").first().getAttribute("src");
    await hits.first().getByTestId("less-like").click();
    await page.getByTestId("examples").waitFor();
    await expect.poll(async () => (await page.locator("[data-testid=hit] img").first().getAttribute("src")) !== first, { timeout: 60_000 }).toBe(true);
    const after = await page.locator("[data-testid=hit] img").evaluateAll((imgs) => imgs.map((img) => img.getAttribute("src")));
    expect(after).not.toContain(first);
    await page.locator("[data-testid=findings-none] label", { hasText: "Pleural Effusion" }).locator("input").uncheck();
  });

  it("answers an uploaded radiograph with its reports, similar images and zero-shot scores", async () => {
    const manifest = fs.readFileSync(path.join(phantoms, "manifest.csv"), "utf8");
    // An 8-bit PNG phantom with exactly one finding: its best reports should carry that finding.
    const rows = manifest.split("\n").slice(1).filter(Boolean);
    const header = manifest.split("\n")[0]!.split(",");
    const effusionColumn = header.indexOf("Pleural Effusion");
    const row = rows.find((r) => r.startsWith("images/") && r.split(",")[0]!.endsWith(".png") && /"\[\{""class"": ?""Pleural Effusion""/.test(r));
    expect(row, "a phantom with an effusion").toBeDefined();
    expect(effusionColumn).toBeGreaterThan(0);
    const file = path.join(phantoms, row!.split(",")[0]!);
    await page.getByTestId("tab-image").click();
    await page.getByTestId("upload").setInputFiles(file);
    const reports = page.getByTestId("report");
    await expect.poll(() => reports.count(), { timeout: 60_000 }).toBe(5);
    const findings = await reports.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-findings") ?? ""));
    expect(findings[0]!.split("|")).toContain("Pleural Effusion");
    expect(await page.locator("[data-testid=similar] li").count()).toBe(8);
    const bars = page.locator("[data-testid=class-scores] g[data-label]");
    expect(await bars.count()).toBe(5);
    expect(await page.getByTestId("predicted").textContent()).toBeTruthy();
    await shoot("explorer-image");
  });

  it("runs an evaluation and shows its figures and precision@K", async () => {
    await page.getByTestId("tab-evaluations").click();
    await page.getByTestId("manifest").fill(path.join(phantoms, "manifest.csv"));
    await page.getByRole("button", { name: "Evaluate the loaded model" }).click();
    await page.getByTestId("figures").waitFor({ timeout: 120_000 });
    expect(await page.locator("[data-testid=runs] tbody tr").count()).toBe(1);
    const figureRows = await page.locator("[data-testid=figures] tbody tr").count();
    expect(figureRows).toBeGreaterThan(10);
    const series = page.locator("[data-testid=precision-plot] g[data-series]");
    expect(await series.count()).toBeGreaterThan(0);
    await shoot("explorer-evaluations");
  });

  it("serves GraphiQL at /graphql and runs a query in it, offline", async () => {
    await page.goto(`${t.app.url}/graphql`);
    const run = page.locator(".graphiql-execute-button");
    await run.waitFor({ timeout: 60_000 });
    // Let the editor take its schema before running.
    await page.waitForTimeout(500);
    await run.click();
    // The editor lays text out with non-breaking spaces; \s matches them.
    const response = async () => ((await page.locator(".graphiql-response").textContent()) ?? "").replace(/\s+/g, " ");
    await expect.poll(response, { timeout: 60_000 }).toContain('"globalScore"');
    expect(await response()).toContain('"Pleural Effusion"');
    await shoot("graphiql");
  });

  it("loaded nothing from outside the server and broke no content policy", () => {
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
