// Child process for the crash test: writes to an embedded vector collection and is then killed
// without flushing or closing, as a crashed server would be.
import { silentLogger } from "../../../src/logging/logger.ts";
import { UsearchVectorStore } from "../../../src/stores/vector/usearch.vector-store.ts";
import { clusteredSet } from "../../contract/clustered-vectors.ts";

const [dataDir, modelId] = process.argv.slice(2);
const set = clusteredSet({ count: 300, dim: 16, seed: 3 });
const store = new UsearchVectorStore({ dataDir, logger: silentLogger() });
const collection = await store.open({ modelId, dim: 16, kind: "report" });
for (let i = 0; i < 300; i += 100) await collection.upsert(set.items.slice(i, i + 100));
await collection.delete(set.items.slice(0, 10).map((item) => item.id));
process.kill(process.pid, "SIGKILL");
