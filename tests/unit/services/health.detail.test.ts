// Readiness is answered without authentication: what it says must not describe the machine.
import { describe, expect, it } from "vitest";
import { publicDetail } from "../../../src/services/health.service.ts";

describe("publicDetail", () => {
  it("keeps a missing file's name and drops its folders", () => {
    expect(publicDetail("cannot read /srv/gloria/models/gloria-full/manifest.json: ENOENT")).toBe("cannot read manifest.json: ENOENT");
    expect(publicDetail("usearch at /var/lib/gloria/vectors; images: 100 vectors (loaded)")).toBe("usearch at vectors; images: 100 vectors (loaded)");
  });

  it("replaces store URLs, credentials included", () => {
    expect(publicDetail("Qdrant at http://admin:secret@10.0.0.5:6333 failed to answer: ECONNREFUSED")).toBe("Qdrant at <url> failed to answer: ECONNREFUSED");
    expect(publicDetail("database unreachable: postgresql://gloria:pw@db.internal:5432/gloria")).toBe("database unreachable: <url>");
  });

  it("leaves plain details alone", () => {
    for (const detail of ["embedded PGlite", "gloria-tiny@1.0.0#0123456789ab", "no answer within 2000 ms", "stopped; a new one is starting", "a/b ratio"]) {
      expect(publicDetail(detail)).toBe(detail);
    }
  });
});
