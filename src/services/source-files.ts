// The one way the service opens a file that data names: an ingestion source and its items (manifest
// rows, MIMIC reports), an evaluation manifest and its rows, a stored image read again for a heatmap
// or recomputed features. A path is data, so it is read only when
//   - it lies inside the allowed roots, checked on the path as given (so nothing outside the roots
//     is ever probed and no error tells whether such a path exists) and again on the file actually
//     opened (so a symlinked folder cannot lead outside);
//   - its last component is not a symbolic link (O_NOFOLLOW) and it has one name only (a hard link
//     inside the roots may name a file outside them);
//   - it is a regular file (no FIFO, device or folder; opened non-blocking so a FIFO cannot hold us);
//   - it is no larger than the cap, and its bytes arrive before the timeout.
// Errors name the file as the caller names it (a key relative to its source), never its server path.
import fs from "node:fs";
import path from "node:path";
import { AppError } from "../errors/app-error.ts";

export interface SourceFileLimits {
  /** Largest file read, in bytes. */
  maxBytes: number;
  /** How long one read may take before it is abandoned, in ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/** Both spellings of a root: as configured (resolved) and after following its links. */
function spellings(root: string): string[] {
  const resolved = path.resolve(root);
  try {
    const real = fs.realpathSync(resolved);
    return real === resolved ? [resolved] : [resolved, real];
  } catch {
    return [resolved];
  }
}

function inside(target: string, roots: readonly string[]): boolean {
  return roots.some((root) => target === root || target.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`));
}

/** The path the kernel opened for a descriptor (Linux), or undefined where /proc is not there. */
function openedPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

export class SourceFiles {
  readonly roots: readonly string[];
  readonly #given: string[];
  readonly #real: string[];
  readonly #limits: Required<SourceFileLimits>;

  constructor(roots: readonly string[], limits: SourceFileLimits) {
    this.roots = [...new Set(roots.map((r) => path.resolve(r)))];
    const all = this.roots.map(spellings);
    this.#given = all.flat();
    this.#real = all.map((s) => s.at(-1)!);
    this.#limits = { timeoutMs: DEFAULT_TIMEOUT_MS, ...limits };
  }

  /** The same guard with more roots (a source's own folder). */
  withRoots(extra: readonly string[]): SourceFiles {
    return new SourceFiles([...this.roots, ...extra], this.#limits);
  }

  /**
   * The resolved path of `target` when it lies inside the roots, checked without touching the file
   * system outside them; FORBIDDEN otherwise. `name` is how errors call it.
   */
  confine(target: string, name: string): string {
    const resolved = path.resolve(target);
    if (this.roots.length === 0 || !inside(resolved, this.#given)) {
      throw new AppError("FORBIDDEN", `${name} is outside the folders this server may read (INGEST_ROOTS)`);
    }
    let real: string;
    try {
      real = fs.realpathSync(resolved);
    } catch {
      // Inside the roots: saying it is missing tells nothing about the rest of the machine.
      throw new AppError("NOT_FOUND", `${name} does not exist`);
    }
    if (!inside(real, this.#real)) throw new AppError("FORBIDDEN", `${name} leads outside the folders this server may read (INGEST_ROOTS)`);
    return resolved;
  }

  /** Reads a whole file under the guard (see the module comment). */
  async read(target: string, name: string, maxBytes = this.#limits.maxBytes): Promise<Uint8Array> {
    const resolved = this.confine(target, name);
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(resolved, OPEN_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ELOOP") throw new AppError("FORBIDDEN", `${name} is a symbolic link, which is not followed`);
      if (code === "ENOENT") throw new AppError("NOT_FOUND", `${name} does not exist`);
      if (code === "EACCES" || code === "EPERM") throw new AppError("FORBIDDEN", `${name} cannot be read by the server`);
      throw new AppError("BAD_USER_INPUT", `${name} cannot be opened (${code ?? "error"})`);
    }
    try {
      const opened = openedPath(handle.fd);
      if (opened !== undefined && !inside(opened, this.#real)) {
        throw new AppError("FORBIDDEN", `${name} leads outside the folders this server may read (INGEST_ROOTS)`);
      }
      const stat = await handle.stat();
      if (!stat.isFile()) throw new AppError("BAD_USER_INPUT", `${name} is not a regular file`);
      if (stat.nlink > 1) throw new AppError("FORBIDDEN", `${name} has other names (hard links); copy it to read it`);
      if (stat.size > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `${name} is larger than the limit of ${maxBytes} bytes`);
      return await this.#readAll(handle, stat.size, name);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** `read` as UTF-8 text. */
  async readText(target: string, name: string, maxBytes?: number): Promise<string> {
    return new TextDecoder().decode(await this.read(target, name, maxBytes));
  }

  /** Whether `target` exists inside the roots (without reading it); false outside them. */
  exists(target: string): boolean {
    try {
      this.confine(target, "file");
      return true;
    } catch {
      return false;
    }
  }

  /** Exactly `size` bytes, or an error when the file changes size meanwhile or the timeout passes. */
  async #readAll(handle: fs.promises.FileHandle, size: number, name: string): Promise<Uint8Array> {
    const bytes = new Uint8Array(size);
    const deadline = performance.now() + this.#limits.timeoutMs;
    let offset = 0;
    while (offset < size) {
      const left = deadline - performance.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError("BAD_USER_INPUT", `${name} could not be read within ${this.#limits.timeoutMs} ms`)), Math.max(0, left));
      });
      try {
        const { bytesRead } = await Promise.race([handle.read(bytes, offset, size - offset, offset), timeout]);
        if (bytesRead === 0) throw new AppError("BAD_USER_INPUT", `${name} became shorter while it was read`);
        offset += bytesRead;
      } finally {
        clearTimeout(timer);
      }
    }
    return bytes;
  }
}
