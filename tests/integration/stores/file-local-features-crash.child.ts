// Child process for the crash test: writes local features to the file store one item at a time and
// prints "ack <id>" once each write has returned, until the parent kills it with SIGKILL.
import { FileLocalFeatureStore } from "../../../src/stores/local-features/file.local-feature-store.ts";
import { exactRegions, exactWords } from "../../contract/local-feature-store.contract.ts";

const [dataDir, modelId] = process.argv.slice(2);
const store = new FileLocalFeatureStore({ dataDir, precision: "float16", access: "write" });
const crashItemId = (i: number) => `${i.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
for (let i = 0; i < 100_000; i++) {
  const id = crashItemId(i);
  if (i % 3 === 0) await store.putReportWords(modelId, [{ id, features: exactWords(i, i % 11) }]);
  else await store.putImageRegions(modelId, [{ id, features: exactRegions(i) }]);
  process.stdout.write(`ack ${i}\n`);
}
