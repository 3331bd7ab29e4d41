// The in-memory fake passes the same contract as the stored adapters, so tests that use it stand
// for them.
import { describeLocalFeatureStoreContract } from "../../contract/local-feature-store.contract.ts";
import { MemoryLocalFeatureStore } from "./memory.local-feature-store.ts";

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, "0")}-0000-4000-8000-000000000000`);

describeLocalFeatureStoreContract("in-memory fake", async () => ({
  store: new MemoryLocalFeatureStore(),
  models: ["m@1#000000000000", "m@2#000000000000"],
  imageIds: ids("aaaaa", 6),
  reportIds: ids("bbbbb", 4),
  regionPrecision: "float16",
  cleanup: async () => undefined,
}));
