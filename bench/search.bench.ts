// `npm run bench -- search`: the embedded vector store's search latency and recall (see vector.bench.ts).
export { run } from "./vector.bench.ts";
