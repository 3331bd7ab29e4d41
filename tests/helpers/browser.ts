// Debian's Chromium driven by playwright-core for the browser suites: nothing is downloaded, the
// browser is the system's (.ci/run installs the `chromium` package). Background networking is off,
// so the only requests a page makes are its own.
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { WEB_DIST } from "../../src/server/web.ts";
import type { Requirement } from "./requirements.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const BROWSER: Requirement = {
  what: "Debian's Chromium and the built pages (web/dist)",
  how: "apt-get install chromium (as .ci/run does), and npm run web:build (npm ci runs it)",
  ci: true,
};

export function browserAvailable(): boolean {
  return fs.existsSync(CHROMIUM) && fs.existsSync(path.join(WEB_DIST, "index.html"));
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Where screenshots go when GLORIA_SCREENSHOTS names a folder (npm run screenshots: docs/images). */
export function screenshotPath(name: string): string | null {
  const folder = process.env.GLORIA_SCREENSHOTS;
  if (!folder) return null;
  fs.mkdirSync(folder, { recursive: true });
  return path.join(folder, `${name}.jpg`);
}
