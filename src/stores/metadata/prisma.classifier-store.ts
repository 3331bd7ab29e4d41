// ClassifierStore over the classifier_heads table, through Prisma: weights and biases as
// little-endian float32 bytes. Vendor errors become STORE_UNAVAILABLE.
import { AppError } from "../../errors/app-error.ts";
import { storeUnavailable } from "../database.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import type {
  ClassifierFeatures,
  ClassifierRecord,
  ClassifierStore,
  ClassifierTraining,
  ClassifierValidation,
  NewClassifier,
} from "./classifier-store.port.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Row {
  id: string;
  name: string;
  modelId: string;
  version: number;
  classes: string[];
  features: string;
  dim: number;
  weights: Uint8Array;
  biases: Uint8Array;
  training: unknown;
  validation: unknown;
  createdAt: Date;
}

function toBytes(values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(values.length * 4));
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

function fromBytes(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function toRecord(row: Row): ClassifierRecord {
  const flat = fromBytes(row.weights);
  return {
    id: row.id,
    name: row.name,
    modelId: row.modelId,
    version: row.version,
    classes: row.classes,
    features: row.features as ClassifierFeatures,
    dim: row.dim,
    weights: row.classes.map((_, k) => flat.slice(k * row.dim, (k + 1) * row.dim)),
    biases: fromBytes(row.biases),
    training: row.training as ClassifierTraining,
    validation: row.validation as ClassifierValidation,
    createdAt: row.createdAt,
  };
}

export class PrismaClassifierStore implements ClassifierStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(head: NewClassifier): Promise<ClassifierRecord> {
    const flat = new Float32Array(head.classes.length * head.dim);
    head.weights.forEach((w, k) => flat.set(w, k * head.dim));
    try {
      const row = await this.prisma.$transaction(async (tx) => {
        const last = await tx.classifierHead.aggregate({ where: { name: head.name, modelId: head.modelId }, _max: { version: true } });
        return tx.classifierHead.create({
          data: {
            name: head.name,
            modelId: head.modelId,
            version: (last._max.version ?? 0) + 1,
            classes: head.classes,
            features: head.features,
            dim: head.dim,
            weights: toBytes(flat),
            biases: toBytes(head.biases),
            training: head.training as object,
            validation: head.validation as object,
          },
        });
      });
      return toRecord(row);
    } catch (error) {
      if ((error as { code?: string }).code === "P2002")
        throw new AppError("CONFLICT", `Another training of '${head.name}' stored the same version first; train again`);
      throw storeUnavailable(error);
    }
  }

  async get(id: string): Promise<ClassifierRecord | null> {
    if (!UUID.test(id)) return null;
    try {
      const row = await this.prisma.classifierHead.findUnique({ where: { id: id.toLowerCase() } });
      return row ? toRecord(row) : null;
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async list(modelId?: string | null): Promise<ClassifierRecord[]> {
    try {
      const rows = await this.prisma.classifierHead.findMany({ where: modelId ? { modelId } : {}, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      return rows.map(toRecord);
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async delete(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    try {
      return (await this.prisma.classifierHead.deleteMany({ where: { id: id.toLowerCase() } })).count === 1;
    } catch (error) {
      throw storeUnavailable(error);
    }
  }
}
