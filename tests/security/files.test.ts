// Files named by data, tried against a live server as an attacker with an ingest or admin key would:
// upload names, manifest rows, MIMIC reports and evaluation rows that point outside INGEST_ROOTS
// (absolute, relative, through links, hard links, devices, FIFOs, a sibling folder with the root's
// name as prefix). Each must fail alone with a typed error that names no server path, store nothing
// of the file, and leave /healthz answering within 100 ms meanwhile.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import { whileHealthy } from "./harness.ts";

const SECRET = "patient 4711 has a secret diagnosis";
const MANIFEST_HEADER = "Path,Report,Atelectasis,Cardiomegaly,Consolidation,Edema,Pleural Effusion";

interface Job {
  status: string;
  ingested: number;
  failed: number;
  errors: Array<{ item: string; code: string; message: string }>;
}

describe("files named by data stay inside INGEST_ROOTS", () => {
  let t: TestApp;
  let base: string;
  let root: string;
  let outsideDir: string;
  let outsidePng: string;
  let outsideText: string;
  let adminKey: string;
  let readKey: string;
  const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });

  const ingest = async (input: Record<string, unknown>): Promise<Job> => {
    const { body } = await t.graphql<{ ingest: Job }>(
      "mutation($input: IngestInput!) { ingest(input: $input) { status ingested failed errors { item code message } } }",
      { input },
      asAdmin(),
    );
    expect(body.errors).toBeUndefined();
    return body.data!.ingest;
  };

  /** A manifest inside the root whose single row names `target`; returns the job. */
  const ingestRow = async (name: string, target: string): Promise<Job> => {
    const dir = path.join(root, `case-${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "manifest.csv"), `${MANIFEST_HEADER}\n"${target}",small effusion,0,0,0,0,1\n`);
    return whileHealthy(t.app.url, () => ingest({ dataset: `case-${name}`, path: dir })).then((w) => w.result);
  };

  /** Every message a client saw names the item as the client did, and no other server path. */
  const expectNoServerPath = (job: Job) => {
    for (const error of job.errors) {
      expect(error.message.replace(error.item, "")).not.toContain(base);
      expect(error.message.replace(error.item, "")).not.toContain(os.tmpdir());
    }
  };

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-security-files-"));
    root = path.join(base, "root");
    outsideDir = path.join(base, "outside");
    fs.mkdirSync(root);
    fs.mkdirSync(outsideDir);
    await generatePhantoms({ out: path.join(root, "phantoms"), count: 4, seed: 3, split: "train" });
    // A real chest-like image outside the roots: what an attacker would like to see under a heatmap.
    outsidePng = path.join(outsideDir, "other-patient.png");
    await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 200, g: 200, b: 200 } } })
      .png()
      .toFile(outsidePng);
    outsideText = path.join(outsideDir, "s123.txt");
    fs.writeFileSync(outsideText, SECRET);
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", INGEST_ROOTS: root });
    adminKey = (await t.app.services.auth.createKey("admin", ["admin"])).key;
    readKey = (await t.app.services.auth.createKey("reader", ["read"])).key;
  });

  afterAll(async () => {
    await t?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("keeps no server path for an upload named after a file outside the roots", async () => {
    const png = fs.readFileSync(
      fs
        .readdirSync(path.join(root, "phantoms", "images"))
        .map((f) => path.join(root, "phantoms", "images", f))
        .find((f) => f.endsWith(".png"))!,
    );
    const job = await ingest({ dataset: "uploads", items: [{ name: outsidePng, base64: png.toString("base64"), report: "no acute findings" }] });
    expect(job).toMatchObject({ status: "SUCCEEDED", ingested: 1, failed: 0 });
    const image = (await t.app.runtime!.metadata.listImages({ datasetIds: await t.app.runtime!.metadata.datasetIds(["uploads"]) }, 10)).items[0]!;
    expect(image.sourcePath).toBeNull();
    // Without a thumbnail the heatmap has nothing to draw on: it must not fall back to the named file.
    await t.app.database.prisma.imageThumbnail.deleteMany({ where: { imageId: image.id } });
    const { result } = await whileHealthy(t.app.url, () =>
      t.graphql<{ attention: { words: Array<{ heatmap: string | null }> } }>(
        'query($id: ID!) { attention(image: { id: $id }, text: "effusion") { words { heatmap } } }',
        { id: image.id },
        asAdmin(),
      ),
    );
    expect(result.body.errors).toBeUndefined();
    for (const w of result.body.data!.attention.words) expect(w.heatmap).toBeNull();
  });

  it("refuses a manifest row with an absolute path outside the roots, existing or not, with the same message", async () => {
    const present = await ingestRow("absolute", outsidePng);
    const absent = await ingestRow("absolute-missing", path.join(outsideDir, "nothing-here.png"));
    for (const job of [present, absent]) {
      expect(job).toMatchObject({ ingested: 0, failed: 1 });
      expect(job.errors[0]!.code).toBe("FORBIDDEN");
      expect(job.errors[0]!.message).toMatch(/outside the folders this server may read/);
      expectNoServerPath(job);
    }
    expect(present.errors[0]!.message.replace(present.errors[0]!.item, "")).toBe(absent.errors[0]!.message.replace(absent.errors[0]!.item, ""));
  });

  it("refuses a manifest row that climbs out with '..'", async () => {
    const job = await ingestRow("relative", path.relative(path.join(root, "case-relative"), outsidePng));
    expect(job.errors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
    expectNoServerPath(job);
  });

  it("refuses a manifest row that is a symbolic link to a file outside", async () => {
    fs.mkdirSync(path.join(root, "case-symlink"), { recursive: true });
    fs.symlinkSync(outsidePng, path.join(root, "case-symlink", "link.png"));
    const job = await ingestRow("symlink", "link.png");
    expect(job.errors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
  });

  it("refuses a manifest row under a linked folder that leads outside", async () => {
    fs.mkdirSync(path.join(root, "case-linked-dir"), { recursive: true });
    fs.symlinkSync(outsideDir, path.join(root, "case-linked-dir", "escape"));
    const job = await ingestRow("linked-dir", "escape/other-patient.png");
    expect(job.errors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
  });

  it("refuses a manifest row that is a hard link", async () => {
    fs.mkdirSync(path.join(root, "case-hardlink"), { recursive: true });
    fs.linkSync(outsidePng, path.join(root, "case-hardlink", "hard.png"));
    const job = await ingestRow("hardlink", "hard.png");
    expect(job.errors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
  });

  it("refuses devices, named directly or through a link inside the root", async () => {
    expect((await ingestRow("device", "/dev/zero")).errors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
    fs.mkdirSync(path.join(root, "case-device-link"), { recursive: true });
    fs.symlinkSync("/dev/urandom", path.join(root, "case-device-link", "random.png"));
    expect((await ingestRow("device-link", "random.png")).errors.map((e) => e.code)).toEqual(["FORBIDDEN"]);
  });

  it("refuses a FIFO inside the root at once instead of waiting for a writer", async () => {
    fs.mkdirSync(path.join(root, "case-fifo"), { recursive: true });
    execFileSync("mkfifo", [path.join(root, "case-fifo", "pipe.png")]);
    const job = await ingestRow("fifo", "pipe.png");
    expect(job.errors.map((e) => e.code)).toEqual(["BAD_USER_INPUT"]);
    expect(job.errors[0]!.message).toMatch(/not a regular file/);
  });

  it("refuses a source in a sibling folder whose name starts with the root's", async () => {
    const sibling = `${root}-evil`;
    fs.mkdirSync(sibling);
    fs.writeFileSync(path.join(sibling, "manifest.csv"), `${MANIFEST_HEADER}\n"x.png",r,0,0,0,0,1\n`);
    const { result } = await whileHealthy(t.app.url, () =>
      t.graphql("mutation($input: IngestInput!) { ingest(input: $input) { status } }", { input: { dataset: "evil", path: sibling } }, asAdmin()),
    );
    expect(result.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(result.body.errors?.[0]?.message).not.toContain(base);
  });

  it("refuses a source outside the roots without saying whether it exists", async () => {
    const codes = [];
    const messages = [];
    for (const target of [outsideDir, path.join(base, "no-such-folder"), "/etc", "../../etc"]) {
      const { result } = await whileHealthy(t.app.url, () =>
        t.graphql("mutation($input: IngestInput!) { ingest(input: $input) { status } }", { input: { dataset: "out", path: target } }, asAdmin()),
      );
      codes.push(result.body.errors?.[0]?.extensions?.code);
      messages.push(result.body.errors?.[0]?.message);
    }
    expect(codes).toEqual(["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"]);
    expect(new Set(messages).size).toBe(1);
  });

  it("does not store a MIMIC report that is a link to a file outside the roots", async () => {
    const mimic = path.join(root, "mimic");
    const study = path.join(mimic, "files", "p10", "p10000032", "s50414267");
    fs.mkdirSync(study, { recursive: true });
    const png = fs.readdirSync(path.join(root, "phantoms", "images")).find((f) => f.endsWith(".png"))!;
    fs.copyFileSync(path.join(root, "phantoms", "images", png), path.join(study, "view1.png"));
    fs.symlinkSync(outsideText, `${study}.txt`);
    const { result: job } = await whileHealthy(t.app.url, () => ingest({ dataset: "mimic", path: mimic }));
    expect(job).toMatchObject({ ingested: 0, failed: 1 });
    expect(job.errors[0]!.code).toBe("FORBIDDEN");
    const reports = await t.app.database.prisma.report.findMany({ select: { text: true } });
    expect(reports.some((r) => r.text.includes(SECRET))).toBe(false);
  });

  it("lists evaluation rows outside the roots as failures and reads none of them", async () => {
    const dir = path.join(root, "case-eval");
    fs.mkdirSync(dir, { recursive: true });
    const inside = path.join(
      root,
      "phantoms",
      "images",
      fs.readdirSync(path.join(root, "phantoms", "images")).find((f) => f.endsWith(".png"))!,
    );
    fs.writeFileSync(
      path.join(dir, "manifest.csv"),
      [
        MANIFEST_HEADER,
        `"${inside}",a,0,0,0,0,1`,
        `"${outsidePng}",b,1,0,0,0,0`,
        `"/dev/zero",c,0,1,0,0,0`,
        `"../../outside/other-patient.png",d,0,0,1,0,0`,
      ].join("\n"),
    );
    const { result } = await whileHealthy(t.app.url, () =>
      t.graphql<{ evaluate: { id: string } }>(
        "query($input: EvaluateInput!) { evaluate(input: $input) { id } }",
        { input: { manifest: path.join(dir, "manifest.csv"), bootstrapIterations: 0 } },
        asAdmin(),
      ),
    );
    expect(result.body.errors).toBeUndefined();
    const record = await t.app.services.evaluation!.get(result.body.data!.evaluate.id);
    const failures = record!.failures;
    expect(failures.map((f) => f.row).sort()).toEqual(["../../outside/other-patient.png", "/dev/zero", outsidePng].sort());
    for (const f of failures) expect(f.message).toMatch(/outside the folders this server may read/);
  });

  it("refuses an evaluation manifest outside the roots, or one that is a link out of them", async () => {
    const outsideManifest = path.join(outsideDir, "manifest.csv");
    fs.writeFileSync(outsideManifest, `${MANIFEST_HEADER}\n"${outsidePng}",a,0,0,0,0,1\n`);
    const link = path.join(root, "manifest-link.csv");
    fs.symlinkSync(outsideManifest, link);
    for (const manifest of [outsideManifest, link, "/etc/passwd"]) {
      const { result } = await whileHealthy(t.app.url, () =>
        t.graphql("query($input: EvaluateInput!) { evaluate(input: $input) { id } }", { input: { manifest, bootstrapIterations: 0 } }, asAdmin()),
      );
      expect(result.body.errors?.[0]?.extensions?.code, manifest).toBe("FORBIDDEN");
      expect(result.body.errors?.[0]?.message).not.toContain(base);
    }
  });

  it("shows Image.sourcePath to administrators only, relative to its root", async () => {
    await ingest({ dataset: "phantoms", path: path.join(root, "phantoms") });
    const query = '{ images(first: 2, filter: { datasets: ["phantoms"] }) { edges { node { id sourcePath } } } }';
    const admin = await t.graphql<{ images: { edges: Array<{ node: { sourcePath: string } }> } }>(query, undefined, asAdmin());
    expect(admin.body.errors).toBeUndefined();
    for (const { node } of admin.body.data!.images.edges) {
      expect(path.isAbsolute(node.sourcePath)).toBe(false);
      expect(node.sourcePath.startsWith(`phantoms${path.sep}`)).toBe(true);
    }
    const reader = await t.graphql(query, undefined, { authorization: `Bearer ${readKey}` });
    expect(reader.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(JSON.stringify(reader.body)).not.toContain(root);
  });
});
