// The embedded default: PGlite under the data dir, served on a Unix socket only this user can reach,
// surviving restarts, and refusing a second process on the same data.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { SOCKET_DIR } from "../../src/db/embedded-postgres.ts";
import { openDatabase } from "../../src/stores/database.ts";
import { silentLogger } from "../../src/logging/logger.ts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-pglite-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("embedded Postgres (PGlite)", () => {
  it("keeps data across a restart", async () => {
    const first = await openDatabase({ databaseUrl: undefined, dataDir, logger: silentLogger() });
    expect(first.embedded).toBe(true);
    expect(first.url).toBe(`postgresql://postgres@localhost/postgres?host=${encodeURIComponent(path.join(dataDir, SOCKET_DIR))}`);
    await first.prisma.dataset.create({ data: { name: "survives-restart" } });
    await first.close();

    const second = await openDatabase({ databaseUrl: undefined, dataDir, logger: silentLogger() });
    try {
      expect((await second.prisma.dataset.findMany()).map((d) => d.name)).toEqual(["survives-restart"]);
      expect(await second.probe.check()).toEqual({ ok: true, detail: "embedded PGlite" });
    } finally {
      await second.close();
    }
  });

  it("serves no TCP port, only a socket in a folder no other user may enter", async () => {
    // An earlier run left the folder open to everyone and its socket file behind.
    fs.mkdirSync(path.join(dataDir, SOCKET_DIR), { recursive: true });
    fs.chmodSync(path.join(dataDir, SOCKET_DIR), 0o777);
    fs.writeFileSync(path.join(dataDir, SOCKET_DIR, ".s.PGSQL.5432"), "stale");
    const db = await openDatabase({ databaseUrl: undefined, dataDir, logger: silentLogger() });
    try {
      expect(fs.statSync(path.join(dataDir, SOCKET_DIR)).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dataDir, SOCKET_DIR, ".s.PGSQL.5432")).isSocket()).toBe(true);
      expect(new URL(db.url).port).toBe("");
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        expect((await client.query("SELECT count(*)::int AS n FROM datasets")).rows).toEqual([{ n: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await db.close();
    }
    expect(fs.existsSync(path.join(dataDir, SOCKET_DIR, ".s.PGSQL.5432"))).toBe(false);
  });

  it("gives a second process on the same data dir a clear error", async () => {
    const holder = await openDatabase({ databaseUrl: undefined, dataDir, logger: silentLogger() });
    try {
      const env = { ...process.env, GLORIA_DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "silent" };
      const result = spawnSync(process.execPath, ["bin/gloria.mjs", "migrate"], { env, encoding: "utf8" });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(`is in use by process ${process.pid}`);
      expect((await holder.prisma.dataset.findMany()).length).toBe(1);
    } finally {
      await holder.close();
    }
  });

  it("refuses, as CONFLICT, a data dir whose lock names another live process", async () => {
    fs.writeFileSync(path.join(dataDir, "gloria.lock"), `${process.ppid} ${os.hostname()}\n`);
    try {
      await expect(openDatabase({ databaseUrl: undefined, dataDir, logger: silentLogger() })).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining(`is in use by process ${process.ppid}`),
      });
    } finally {
      fs.rmSync(path.join(dataDir, "gloria.lock"), { force: true });
    }
  });

  it("takes over a lock left by a process that died", async () => {
    fs.writeFileSync(path.join(dataDir, "gloria.lock"), "999999999\n");
    const db = await openDatabase({ databaseUrl: undefined, dataDir, logger: silentLogger() });
    expect(await db.prisma.dataset.count()).toBe(1);
    await db.close();
    expect(fs.existsSync(path.join(dataDir, "gloria.lock"))).toBe(false);
  });
});
