// An in-memory stand-in for the Qdrant REST endpoints the Qdrant adapter calls, following Qdrant's
// documented request and response shapes (exact cosine search, must/match filters, scroll by id),
// so the contract suite exercises the adapter where no Qdrant server can run. Not a Qdrant.
import http from "node:http";
import type { AddressInfo } from "node:net";

interface Point {
  id: string;
  vector: number[];
  payload: Record<string, unknown>;
}

interface Collection {
  size: number;
  distance: string;
  metadata: Record<string, unknown> | null;
  quantization: unknown;
  indexes: Record<string, { data_type: string; points: number }>;
  points: Map<string, Point>;
}

type Condition = {
  key?: string;
  match?: { value?: unknown; any?: unknown[] };
  has_id?: unknown[];
  must?: Condition[];
  should?: Condition[];
  must_not?: Condition[];
};

export interface FakeQdrant {
  url: string;
  /** Requests received, as "METHOD /path", for assertions on how the adapter talks. */
  requests: string[];
  /** Makes the next n requests fail with this HTTP status. */
  failNext(status: number, n?: number): void;
  /** Stops listening and drops every connection, keeping the collections (an outage). */
  stop(): Promise<void>;
  /** Listens again on the same port after stop(), with the collections it had. */
  start(): Promise<void>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function conditionHolds(point: Point, c: Condition): boolean {
  if (c.must || c.should || c.must_not) return filterHolds(point, c);
  if (c.has_id) return c.has_id.includes(point.id);
  const value = point.payload[c.key as string];
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  if (c.match && "any" in c.match) return values.some((v) => (c.match?.any as unknown[]).includes(v));
  if (c.match && "value" in c.match) return values.includes(c.match.value);
  throw new HttpError(400, `unsupported condition ${JSON.stringify(c)}`);
}

function asList(x: Condition | Condition[] | undefined): Condition[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

function filterHolds(point: Point, filter: Condition | undefined | null): boolean {
  if (!filter) return true;
  const must = asList(filter.must);
  const should = asList(filter.should);
  const mustNot = asList(filter.must_not);
  return (
    must.every((c) => conditionHolds(point, c)) &&
    (should.length === 0 || should.some((c) => conditionHolds(point, c))) &&
    !mustNot.some((c) => conditionHolds(point, c))
  );
}

function normalize(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => Math.fround(x / n));
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startFakeQdrant(): Promise<FakeQdrant> {
  const collections = new Map<string, Collection>();
  const requests: string[] = [];
  let failures: { status: number; n: number } = { status: 0, n: 0 };

  const get = (name: string): Collection => {
    const c = collections.get(name);
    if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  };

  const handle = (method: string, url: URL, body: Record<string, unknown>): unknown => {
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (method === "GET" && parts.length === 0) return { title: "qdrant - vector search engine (fake)", version: "1.18.0" };
    if (parts[0] !== "collections" || parts.length < 2) throw new HttpError(404, "no such endpoint");
    const name = parts[1];
    const rest = parts.slice(2).join("/");
    if (method === "GET" && rest === "exists") return { exists: collections.has(name) };
    if (method === "PUT" && rest === "") {
      if (collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
      const vectors = body.vectors as { size: number; distance: string };
      if (!vectors || typeof vectors.size !== "number" || !["Cosine", "Dot", "Euclid", "Manhattan"].includes(vectors.distance)) {
        throw new HttpError(400, "Bad request: vectors config is invalid");
      }
      collections.set(name, {
        size: vectors.size,
        distance: vectors.distance,
        metadata: (body.metadata as Record<string, unknown>) ?? null,
        quantization: body.quantization_config ?? null,
        indexes: {},
        points: new Map(),
      });
      return true;
    }
    if (method === "DELETE" && rest === "") return collections.delete(name);
    const c = get(name);
    switch (`${method} ${rest}`) {
      case "GET ":
        return {
          status: "green",
          optimizer_status: "ok",
          points_count: c.points.size,
          indexed_vectors_count: 0,
          segments_count: 1,
          config: {
            params: {
              vectors: { size: c.size, distance: c.distance },
              shard_number: 1,
              replication_factor: 1,
              write_consistency_factor: 1,
              on_disk_payload: true,
            },
            hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
            optimizer_config: {},
            quantization_config: c.quantization,
            metadata: c.metadata,
          },
          payload_schema: c.indexes,
        };
      case "PUT index": {
        if (typeof body.field_name !== "string" || body.field_schema !== "keyword") throw new HttpError(400, "Bad request: field index");
        c.indexes[body.field_name] = { data_type: "keyword", points: 0 };
        return { operation_id: 1, status: url.searchParams.get("wait") === "true" ? "completed" : "acknowledged" };
      }
      case "PUT points": {
        const points = body.points as { id: string; vector: number[]; payload?: Record<string, unknown> }[];
        if (!Array.isArray(points)) throw new HttpError(400, "Bad request: points");
        for (const p of points) {
          if (!UUID.test(String(p.id))) throw new HttpError(400, `Bad request: Unable to parse UUID: ${p.id}`);
          if (!Array.isArray(p.vector) || p.vector.length !== c.size) {
            throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${p.vector?.length}`);
          }
        }
        for (const p of points) {
          const id = String(p.id).toLowerCase();
          c.points.set(id, { id, vector: c.distance === "Cosine" ? normalize(p.vector) : p.vector, payload: p.payload ?? {} });
        }
        return { operation_id: 2, status: url.searchParams.get("wait") === "true" ? "completed" : "acknowledged" };
      }
      case "POST points/delete": {
        for (const id of body.points as string[]) c.points.delete(String(id).toLowerCase());
        return { operation_id: 3, status: "completed" };
      }
      case "POST points": {
        return (body.ids as string[]).flatMap((id) => {
          const p = c.points.get(String(id).toLowerCase());
          return p ? [{ id: p.id, ...(body.with_vector === true ? { vector: p.vector } : {}) }] : [];
        });
      }
      case "POST points/count":
        return { count: [...c.points.values()].filter((p) => filterHolds(p, body.filter as Condition)).length };
      case "POST points/scroll": {
        const limit = (body.limit as number) ?? 10;
        const sorted = [...c.points.values()].filter((p) => filterHolds(p, body.filter as Condition)).sort((a, b) => (a.id < b.id ? -1 : 1));
        const start = body.offset === undefined || body.offset === null ? 0 : sorted.findIndex((p) => p.id >= String(body.offset));
        const page = start < 0 ? [] : sorted.slice(start, start + limit);
        const next = start >= 0 && start + limit < sorted.length ? sorted[start + limit].id : null;
        const withPayload = body.with_payload;
        return {
          points: page.map((p) => ({
            id: p.id,
            payload:
              withPayload === true ? p.payload : Array.isArray(withPayload) ? Object.fromEntries(withPayload.map((k: string) => [k, p.payload[k]])) : undefined,
          })),
          next_page_offset: next,
        };
      }
      case "POST points/query": {
        const query = body.query as number[];
        if (!Array.isArray(query) || query.length !== c.size) throw new HttpError(400, "Wrong input: Vector dimension error");
        const q = c.distance === "Cosine" ? normalize(query) : query;
        const scored = [...c.points.values()]
          .filter((p) => filterHolds(p, body.filter as Condition))
          .map((p) => ({ id: p.id, version: 1, score: Math.fround(dot(p.vector, q)) }))
          .sort((a, b) => b.score - a.score);
        return { points: scored.slice(0, (body.limit as number) ?? 10) };
      }
      default:
        throw new HttpError(404, `no such endpoint: ${method} ${url.pathname}`);
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      requests.push(`${req.method} ${url.pathname}`);
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      if (failures.n > 0) {
        failures.n--;
        return reply(failures.status, { status: { error: "Service Unavailable: injected failure" }, time: 0 });
      }
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        const result = handle(req.method ?? "GET", url, body);
        if (url.pathname === "/") return reply(200, result);
        reply(200, { result, status: "ok", time: 0.0001 });
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 500;
        reply(status, { status: { error: (error as Error).message }, time: 0 });
      }
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, n = 1) {
      failures = { status, n };
    },
    stop,
    start: () => (server.listening ? Promise.resolve() : listen(port)),
    close: stop,
  };
}
