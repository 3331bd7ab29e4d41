// Chooses the VectorStore adapter from the configuration: Qdrant when QDRANT_URL is set, else the
// embedded usearch store under GLORIA_DATA_DIR (DESIGN: the default needs no server).
import type { Logger } from "../../logging/logger.ts";
import { QdrantVectorStore } from "./qdrant.vector-store.ts";
import { UsearchVectorStore } from "./usearch.vector-store.ts";
import type { VectorStore } from "./vector-store.port.ts";

export interface VectorStoreConfig {
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** Used by the embedded store only. */
  dataDir: string;
  logger: Logger;
  /** Qdrant only: int8 scalar quantisation for the collections it creates. */
  quantization?: "none" | "int8";
}

export function createVectorStore(config: VectorStoreConfig): VectorStore {
  const logger = config.logger.child({ component: "vectors" });
  if (config.qdrantUrl) {
    return new QdrantVectorStore({ url: config.qdrantUrl, apiKey: config.qdrantApiKey, logger, quantization: config.quantization });
  }
  return new UsearchVectorStore({ dataDir: config.dataDir, logger });
}
