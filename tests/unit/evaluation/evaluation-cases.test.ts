// Which rows an evaluation uses and what it asks of them: the 5×200-style single-finding rule,
// patient sides, the attention probe phrases, the two-stage ranking and the image half a side
// appears on.
import { describe, expect, it } from "vitest";
import {
  answersLateralQuery,
  imageHalf,
  LATERAL_QUERIES,
  lateralityOf,
  sideOf,
  sidePhrase,
  singleFindingClass,
  twoStageRanking,
} from "../../../src/services/evaluation/evaluation.cases.ts";

const CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"];

describe("singleFindingClass", () => {
  it("keeps rows with exactly one positive class and the others 0", () => {
    expect(singleFindingClass({ Atelectasis: 0, Cardiomegaly: 0, Consolidation: 0, Edema: 1, "Pleural Effusion": 0 }, CLASSES)).toBe("Edema");
  });

  it("treats a missing label as 0, as the 5×200 subset maps NaN to 0", () => {
    expect(singleFindingClass({ Cardiomegaly: 1 }, CLASSES)).toBe("Cardiomegaly");
  });

  it("drops normal studies, two findings and uncertain (−1) labels", () => {
    expect(singleFindingClass({ Atelectasis: 0, Edema: 0 }, CLASSES)).toBeNull();
    expect(singleFindingClass({ Atelectasis: 1, Edema: 1 }, CLASSES)).toBeNull();
    expect(singleFindingClass({ Atelectasis: 1, Edema: -1 }, CLASSES)).toBeNull();
  });
});

describe("lateralityOf and sideOf", () => {
  it("read the patient side from a location", () => {
    expect(sideOf("left")).toBe("left");
    expect(sideOf("right lower lobe")).toBe("right");
    expect(sideOf("Left lung base")).toBe("left");
  });

  it("tell bilateral locations from unsided and missing ones", () => {
    expect(lateralityOf("bilateral")).toBe("bilateral");
    expect(lateralityOf("bilateral lung bases")).toBe("bilateral");
    expect(lateralityOf("left and right bases")).toBe("bilateral");
    expect(sideOf("bilateral lung bases")).toBeNull();
    expect(lateralityOf("mid lung zone")).toBeNull();
    expect(lateralityOf("leftover")).toBeNull();
    expect(lateralityOf(null)).toBeNull();
    expect(sideOf(undefined)).toBeNull();
  });
});

describe("sidePhrase", () => {
  it("names a sided finding in the prompt vocabulary", () => {
    expect(sidePhrase("Pleural Effusion", "left")).toBe("left pleural effusion");
    expect(sidePhrase("Consolidation", "right")).toBe("consolidation in the right lung");
    expect(sidePhrase("Atelectasis", "left")).toBe("atelectasis in the left lung");
    expect(sidePhrase("Lung Lesion", "right")).toBe("lung lesion in the right lung");
  });
});

describe("imageHalf", () => {
  it("follows the radiological convention: the patient's left is on the image's right", () => {
    expect(imageHalf("left")).toBe("right");
    expect(imageHalf("right")).toBe("left");
  });
});

describe("LATERAL_QUERIES", () => {
  it("asks for both sides of each sided class", () => {
    expect(LATERAL_QUERIES.map((q) => q.text)).toEqual([
      "left pleural effusion",
      "right pleural effusion",
      "consolidation in the left lung",
      "consolidation in the right lung",
      "atelectasis in the left lung",
      "atelectasis in the right lung",
    ]);
  });

  it("a hit has the class on the query's side, and a bilateral finding has both sides", () => {
    const [leftEffusion] = LATERAL_QUERIES;
    expect(answersLateralQuery(leftEffusion, "Pleural Effusion", "left")).toBe(true);
    expect(answersLateralQuery(leftEffusion, "Pleural Effusion", "bilateral")).toBe(true);
    expect(answersLateralQuery(leftEffusion, "Pleural Effusion", "right")).toBe(false);
    expect(answersLateralQuery(leftEffusion, "Consolidation", "left")).toBe(false);
    expect(answersLateralQuery(leftEffusion, "Pleural Effusion", null)).toBe(false);
  });
});

describe("twoStageRanking", () => {
  const global = [0.9, 0.1, 0.8, 0.7, 0.2];

  it("re-orders only the first-stage candidates by their second-stage scores", async () => {
    const seen: number[][] = [];
    const out = await twoStageRanking(global, 3, async (top) => {
      seen.push(top);
      // Second stage prefers candidate 3, then 2, then 0.
      return top.map((i) => ({ 0: 1, 2: 2, 3: 3 })[i as 0 | 2 | 3]);
    });
    expect(seen).toEqual([[0, 2, 3]]);
    expect(out.global).toEqual([0, 2, 3, 4, 1]);
    expect(out.reranked).toEqual([3, 2, 0, 4, 1]);
  });

  it("re-ranks everything when the candidates cover the list, and nothing of an empty one", async () => {
    const out = await twoStageRanking(global, 100, async (top) => top.map((i) => -global[i]));
    expect(out.reranked).toEqual([1, 4, 3, 2, 0]);
    expect(await twoStageRanking([], 10, async () => [])).toEqual({ global: [], reranked: [] });
  });
});
