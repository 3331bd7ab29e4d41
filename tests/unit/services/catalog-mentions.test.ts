// The catalogue's resolution of an image filter's `mustMention` into the id list the vector store
// searches among, against a fake metadata store: one query meets it with the label and date
// conditions, the cohort cap holds for their intersection, and bad queries are typed errors.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import type { IngestionService } from "../../../src/services/ingest/ingest.service.ts";
import { CatalogService } from "../../../src/services/catalog.service.ts";
import { LIMITS } from "../../../src/services/limits.ts";
import type { LabelCohort, MetadataStore, ModelInfo } from "../../../src/stores/metadata/metadata-store.port.ts";

function catalogue(answer: (query: string, cohort: LabelCohort, limit: number) => string[] | null) {
  const calls: Array<{ method: string; query?: string; cohort: LabelCohort; limit: number }> = [];
  const metadata = {
    datasetIds: (names: readonly string[]) => Promise.resolve(names.map((_, i) => `00000000-0000-4000-8000-00000000000${i}`)),
    imageIdsMentioning: (query: string, cohort: LabelCohort, limit: number) => {
      calls.push({ method: "imageIdsMentioning", query, cohort, limit });
      return Promise.resolve(answer(query, cohort, limit));
    },
    matchingItemIds: (_kind: string, cohort: LabelCohort, limit: number) => {
      calls.push({ method: "matchingItemIds", cohort, limit });
      return Promise.resolve([]);
    },
  } as unknown as MetadataStore;
  return { service: new CatalogService(metadata, {} as IngestionService, {} as ModelInfo, []), calls };
}

async function refusal(run: Promise<unknown>): Promise<AppError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("CatalogService.filter with mustMention", () => {
  it("resolves the report text with the label, date and dataset conditions in one query", async () => {
    const { service, calls } = catalogue(() => ["a", "b"]);
    const labels = [{ className: "Edema", values: ["POSITIVE" as const] }];
    const filter = await service.filter({
      mustMention: "effusion -edema",
      labels,
      datasets: ["x"],
      ingestedAfter: "2026-01-01",
      findingsNone: ["Atelectasis"],
    });
    expect(filter).toMatchObject({ ids: ["a", "b"], findingsNone: ["Atelectasis"] });
    expect(calls).toEqual([
      {
        method: "imageIdsMentioning",
        query: "effusion -edema",
        cohort: { datasetIds: ["00000000-0000-4000-8000-000000000000"], labels, ingestedFrom: new Date("2026-01-01"), ingestedTo: undefined },
        limit: LIMITS.maxCohort,
      },
    ]);
  });

  it("refuses a cohort over the cap, a query with nothing to match, an empty one and a report filter", async () => {
    const over = catalogue(() => Array.from({ length: LIMITS.maxCohort + 1 }, (_, i) => String(i)));
    const big = await refusal(over.service.filter({ mustMention: "effusion" }));
    expect([big.code, big.details]).toEqual(["BAD_USER_INPUT", { field: "mustMention" }]);

    const stop = await refusal(catalogue(() => null).service.filter({ mustMention: "the of" }));
    expect([stop.code, stop.details]).toEqual(["BAD_USER_INPUT", { field: "mustMention" }]);

    const none = catalogue(() => []);
    for (const mustMention of ["", "  \t"]) {
      const empty = await refusal(none.service.filter({ mustMention }));
      expect([empty.code, empty.details]).toEqual(["BAD_USER_INPUT", { field: "mustMention" }]);
    }
    const reports = await refusal(none.service.filter({ mustMention: "effusion" }, "report"));
    expect(reports.code).toBe("BAD_USER_INPUT");
    expect(none.calls).toEqual([]);
  });

  it("leaves the label cohort to matchingItemIds when no report text is asked for", async () => {
    const { service, calls } = catalogue(() => []);
    await service.filter({ labels: [{ className: "Edema", values: ["UNCERTAIN"] }], mustMention: null });
    expect(calls.map((c) => c.method)).toEqual(["matchingItemIds"]);
  });
});
