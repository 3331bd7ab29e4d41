// SourceFiles against a real file system: every way a path named by data could lead outside the
// allowed roots, or into something that is not a plain bounded file, is refused with a typed error.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceFiles } from "../../../src/services/source-files.ts";
import { expectAppError } from "../../helpers/expect-app-error.ts";

describe("SourceFiles", () => {
  let base: string;
  let root: string;
  let outside: string;
  let files: SourceFiles;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-source-files-"));
    root = path.join(base, "data");
    outside = path.join(base, "secret.txt");
    fs.mkdirSync(path.join(root, "images"), { recursive: true });
    fs.writeFileSync(path.join(root, "images", "a.png"), "inside");
    fs.writeFileSync(outside, "outside the roots");
    // A sibling whose name starts with the root's: not inside it.
    fs.mkdirSync(`${root}-evil`);
    fs.writeFileSync(path.join(`${root}-evil`, "b.png"), "sibling");
    fs.symlinkSync(outside, path.join(root, "images", "link.png"));
    fs.symlinkSync(base, path.join(root, "up"));
    fs.symlinkSync(path.join(root, "images", "a.png"), path.join(root, "images", "inner-link.png"));
    fs.linkSync(outside, path.join(root, "images", "hard.png"));
    execFileSync("mkfifo", [path.join(root, "images", "fifo.png")]);
    fs.writeFileSync(path.join(root, "big.png"), Buffer.alloc(2048));
    files = new SourceFiles([root], { maxBytes: 1024 });
  });

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it("reads a regular file inside the roots, by absolute and by relative path", async () => {
    expect(new TextDecoder().decode(await files.read(path.join(root, "images", "a.png"), "a.png"))).toBe("inside");
    const relative = path.relative(process.cwd(), path.join(root, "images", "a.png"));
    expect(new TextDecoder().decode(await files.read(relative, "a.png"))).toBe("inside");
  });

  it("refuses paths outside the roots, absolute or through '..', without telling whether they exist", async () => {
    const present = await expectAppError(files.read(outside, "row 2"), "FORBIDDEN");
    const absent = await expectAppError(files.read(path.join(base, "no-such-file"), "row 2"), "FORBIDDEN");
    expect(present.message).toBe(absent.message);
    expect(present.message).not.toContain(base);
    await expectAppError(files.read(path.join(root, "..", "secret.txt"), "row 3"), "FORBIDDEN");
    await expectAppError(files.read("/etc/hostname", "row 4"), "FORBIDDEN");
  });

  it("refuses a sibling folder whose name starts with the root's", async () => {
    await expectAppError(files.read(path.join(`${root}-evil`, "b.png"), "b.png"), "FORBIDDEN");
  });

  it("refuses symbolic links: to a file outside, through a linked folder, and even to a file inside", async () => {
    await expectAppError(files.read(path.join(root, "images", "link.png"), "link.png"), "FORBIDDEN");
    await expectAppError(files.read(path.join(root, "up", "secret.txt"), "up/secret.txt"), "FORBIDDEN");
    const inner = await expectAppError(files.read(path.join(root, "images", "inner-link.png"), "inner-link.png"), "FORBIDDEN");
    expect(inner.message).toMatch(/symbolic link/);
  });

  it("refuses a hard link, which may name a file outside the roots", async () => {
    const error = await expectAppError(files.read(path.join(root, "images", "hard.png"), "hard.png"), "FORBIDDEN");
    expect(error.message).toMatch(/hard link/);
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const started = performance.now();
    await expectAppError(files.read(path.join(root, "images", "fifo.png"), "fifo.png"), "BAD_USER_INPUT");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("refuses devices and folders", async () => {
    const dev = new SourceFiles(["/dev"], { maxBytes: 1024 });
    await expectAppError(dev.read("/dev/zero", "zero"), "BAD_USER_INPUT");
    await expectAppError(dev.read("/dev/urandom", "urandom"), "BAD_USER_INPUT");
    await expectAppError(files.read(path.join(root, "images"), "images"), "BAD_USER_INPUT");
  });

  it("refuses a file over the size cap before reading it", async () => {
    await expectAppError(files.read(path.join(root, "big.png"), "big.png"), "PAYLOAD_TOO_LARGE");
    expect((await files.read(path.join(root, "big.png"), "big.png", 4096)).length).toBe(2048);
  });

  it("reads nothing at all without roots", async () => {
    await expectAppError(new SourceFiles([], { maxBytes: 1024 }).read(path.join(root, "images", "a.png"), "a.png"), "FORBIDDEN");
  });

  it("says a missing file inside the roots is missing", async () => {
    await expectAppError(files.read(path.join(root, "images", "gone.png"), "gone.png"), "NOT_FOUND");
  });

  it("accepts a root given through a symbolic link", async () => {
    const alias = path.join(base, "alias");
    fs.symlinkSync(root, alias);
    const viaAlias = new SourceFiles([alias], { maxBytes: 1024 });
    expect(new TextDecoder().decode(await viaAlias.read(path.join(alias, "images", "a.png"), "a.png"))).toBe("inside");
    expect(new TextDecoder().decode(await viaAlias.read(path.join(root, "images", "a.png"), "a.png"))).toBe("inside");
    await expectAppError(viaAlias.read(outside, "secret"), "FORBIDDEN");
  });
});
