// The manifest contract (docs/model-contract.md): what a valid manifest needs, the folder checksum
// and the model id every stored vector carries.
import { describe, expect, it } from "vitest";
import { folderChecksum, modelId, parseManifest } from "../../../src/model/model.manifest.ts";

const digest = (c: string) => c.repeat(64);

function validManifest(): Record<string, unknown> {
  const files = {
    "image_encoder.onnx": digest("a"),
    "text_encoder.onnx": digest("b"),
    "local_similarity.onnx": digest("c"),
    "tokenizer.json": digest("d"),
    "vocab.txt": digest("e"),
  };
  return {
    format: "gloria-search/model@1",
    name: "gloria-chexpert",
    version: "1.0.0",
    checksum: folderChecksum(files),
    files,
    image: { resize: 256, crop: 224, norm: "half", channels: 3 },
    text: { maxLength: 97, lowercase: true, specialIds: { pad: 0, unk: 100, cls: 101, sep: 102 }, lastNLayers: 4 },
    embedding: { dim: 768, grid: [19, 19] },
    similarity: { attentionTemperature: 4, localTemperature: 5, temp3: 10, localAggregation: "max" },
    zeroShot: { promptSet: "gloria-chexpert-5x5@1", reference: null },
    source: { checkpoint: "chexpert_resnet50.ckpt" },
  };
}

describe("parseManifest", () => {
  it("accepts the contract's manifest", () => {
    const parsed = parseManifest(validManifest());
    expect(parsed.ok).toBe(true);
  });

  it("lists every problem at once", () => {
    const bad = validManifest();
    bad.format = "other@2";
    (bad.files as Record<string, string>)["vocab.txt"] = "xyz";
    (bad.embedding as Record<string, unknown>).grid = [19];
    const parsed = parseManifest(bad);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.join("\n")).toMatch(/format/);
    expect(parsed.problems.join("\n")).toMatch(/files\.vocab\.txt/);
    expect(parsed.problems.join("\n")).toMatch(/embedding\.grid/);
  });
});

describe("model id", () => {
  it("is name@version#first 12 hex digits of the checksum", () => {
    expect(modelId({ name: "gloria-chexpert", version: "1.0.0", checksum: "0123456789abcdef".repeat(4) })).toBe("gloria-chexpert@1.0.0#0123456789ab");
  });

  it("changes when any file's digest changes", () => {
    const files = validManifest().files as Record<string, string>;
    expect(folderChecksum({ ...files, "vocab.txt": digest("f") })).not.toBe(folderChecksum(files));
  });
});
