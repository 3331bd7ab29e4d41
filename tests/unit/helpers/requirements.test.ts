// The skip rule every optional suite follows: one line saying what is missing and how to get it,
// and under GLORIA_REQUIRE_ALL=1 (set by .ci/run) no skip at all for what CI provides.
import { afterEach, describe, expect, it, vi } from "vitest";
import { requires } from "../../helpers/requirements.ts";

describe("requires", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("runs a suite whose requirement is there, silently", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(requires(true, { what: "a thing", how: "get it", ci: true })).toBe(true);
    expect(write).not.toHaveBeenCalled();
  });

  it("skips without it, saying once what is missing and how to get it", () => {
    vi.stubEnv("GLORIA_REQUIRE_ALL", "");
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(requires(false, { what: "the unit-test widget", how: "run make widget", ci: true })).toBe(false);
    expect(requires(false, { what: "the unit-test widget", how: "run make widget", ci: true })).toBe(false);
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]![0])).toBe("skipped: needs the unit-test widget; run make widget\n");
  });

  it("never skips what CI provides when GLORIA_REQUIRE_ALL=1, so a missing one fails loudly", () => {
    vi.stubEnv("GLORIA_REQUIRE_ALL", "1");
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(requires(false, { what: "a CI thing", how: "x", ci: true })).toBe(true);
    expect(requires(false, { what: "an optional thing", how: "y", ci: false })).toBe(false);
  });
});
