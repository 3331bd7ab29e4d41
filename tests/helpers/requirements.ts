// Suites that need something a fresh machine with only Node.js lacks skip without it, each with one
// line on stderr saying what is missing and how to get it. `.ci/run` provides everything marked
// `ci` and sets GLORIA_REQUIRE_ALL=1: then those suites never skip, and one whose requirement is still
// missing runs and fails instead of vanishing from the count. The rest (a real Qdrant server, the
// large resize sweep) are optional everywhere.

const reported = new Set<string>();

export interface Requirement {
  /** What the suite needs, as a person would name it. */
  what: string;
  /** How to get it. */
  how: string;
  /** Whether .ci/run provides it (then GLORIA_REQUIRE_ALL=1 makes the suite run regardless). */
  ci: boolean;
}

/** Whether a suite with this requirement runs here; prints the skip line once per process otherwise. */
export function requires(available: boolean, requirement: Requirement): boolean {
  if (available) return true;
  if (requirement.ci && process.env.GLORIA_REQUIRE_ALL === "1") return true;
  if (!reported.has(requirement.what)) {
    reported.add(requirement.what);
    process.stderr.write(`skipped: needs ${requirement.what}; ${requirement.how}\n`);
  }
  return false;
}

export const DEBIAN_PYTHON: Omit<Requirement, "what"> = {
  how: "install Debian's python3-torch python3-torchvision python3-onnx python3-numpy python3-pil python3-opencv python3-omegaconf python3-pydicom python3-gdcm python3-sklearn python3-pytest (as .ci/run does)",
  ci: true,
};

export const FULL_SIZE_FIXTURE: Requirement = {
  what: "the full-size model fixture (tests/fixtures/large/gloria-full)",
  how: "run tools/make-goldens --full (needs Debian's Python packages; about 30 s)",
  ci: true,
};

export const POSTGRES_SERVER: Requirement = {
  what: "a Postgres server",
  how: "set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test (the embedded PGlite is used otherwise)",
  ci: true,
};
