// A DICOMweb client for ingestion from a PACS: QIDO-RS to find instances (studies → series →
// instances, in pages) and WADO-RS to fetch each one, over Node's fetch. Every answer is bounded
// (a timeout per request, a byte cap per instance), network faults and 5xx answers are retried
// with backoff (a PACS restarting mid-run is waited for), and whatever the PACS sends is checked:
// anything that is not DICOM JSON or a DICOM part is a typed error for its item, not a crash.
//
// The dicomweb-client package needs XMLHttpRequest, a browser API Node 20 does not have; fetch and
// a multipart/related reader of a few dozen lines do the same here.
import { AppError } from "../../errors/app-error.ts";

/** One instance as QIDO-RS names it. */
export interface InstanceRef {
  study: string;
  series: string;
  instance: string;
}

export interface InstanceQuery {
  /** Only these studies (StudyInstanceUID); all studies otherwise. */
  studies?: readonly string[];
  /** Only series of these modalities (e.g. CR, DX). */
  modalities?: readonly string[];
  /** Only studies on or after this date, YYYYMMDD. */
  since?: string;
}

export interface DicomWebOptions {
  /** Base URL of the DICOMweb service (http or https), e.g. http://pacs:8042/dicom-web. */
  baseUrl: string;
  /** The Authorization header value to send, read from the environment by the caller; never stored. */
  authorization?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Largest instance fetched (MAX_UPLOAD_BYTES). */
  maxInstanceBytes: number;
  /** Attempts per request on a network fault or a 5xx answer (default 6: about 30 s of backoff). */
  attempts?: number;
  /** QIDO-RS page size (default 100). */
  pageSize?: number;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/** The base URL of a `dicomweb+http(s)://…` (or plain http(s)) source, checked: no credentials in it. */
export function dicomWebBase(url: string): string {
  const plain = url.replace(/^dicomweb\+/, "");
  let parsed: URL;
  try {
    parsed = new URL(plain);
  } catch {
    throw new AppError("BAD_USER_INPUT", "The DICOMweb source is not a URL", { details: { field: "url" } });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new AppError("BAD_USER_INPUT", "A DICOMweb source is an http or https URL", { details: { field: "url" } });
  if (parsed.username || parsed.password) {
    throw new AppError("BAD_USER_INPUT", "Put DICOMweb credentials in an environment variable (authEnv), not in the URL", { details: { field: "url" } });
  }
  if (parsed.search || parsed.hash) throw new AppError("BAD_USER_INPUT", "A DICOMweb base URL has no query or fragment", { details: { field: "url" } });
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

function checkUid(uid: string, what: string): string {
  if (!UID.test(uid) || uid.length > 64) throw new AppError("UNSUPPORTED_MEDIA_TYPE", `The PACS gave a ${what} that is not a DICOM UID`);
  return uid;
}

/** A tag's first string value in a DICOM JSON object. */
function firstValue(item: unknown, tag: string): string | undefined {
  const element = (item as Record<string, { Value?: unknown[] } | undefined> | null)?.[tag];
  const value = element?.Value?.[0];
  return typeof value === "string" ? value : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DicomWebClient {
  readonly #base: string;
  readonly #options: DicomWebOptions;

  constructor(options: DicomWebOptions) {
    this.#base = dicomWebBase(options.baseUrl);
    this.#options = options;
  }

  /** Every instance the query names, study by study, series by series, in pages. */
  async *instances(query: InstanceQuery): AsyncGenerator<InstanceRef> {
    for await (const study of this.studies(query)) yield* study.images;
  }

  /**
   * The query's studies, one at a time: the instances of their image series (of the modalities
   * asked for), and those of their structured-report (SR) series, whatever the modalities.
   */
  async *studies(query: InstanceQuery): AsyncGenerator<{ study: string; images: InstanceRef[]; reports: InstanceRef[] }> {
    const studies = query.studies?.length ? query.studies.map((s) => checkUid(s, "study UID")) : this.#studies(query.since);
    const wanted = query.modalities?.length ? new Set(query.modalities) : undefined;
    for await (const study of studies) {
      const images: InstanceRef[] = [];
      const reports: InstanceRef[] = [];
      for await (const item of this.#pages(`/studies/${study}/series`, {})) {
        const series = checkUid(firstValue(item, "0020000E") ?? "", "series UID");
        const modality = firstValue(item, "00080060");
        const isReport = modality === "SR";
        if (!isReport && wanted && !(modality && wanted.has(modality))) continue;
        for await (const instance of this.#pages(`/studies/${study}/series/${series}/instances`, {})) {
          (isReport ? reports : images).push({ study, series, instance: checkUid(firstValue(instance, "00080018") ?? "", "SOP instance UID") });
        }
      }
      yield { study, images, reports };
    }
  }

  async *#studies(since: string | undefined): AsyncGenerator<string> {
    for await (const item of this.#pages("/studies", since ? { StudyDate: `${since}-` } : {})) {
      yield checkUid(firstValue(item, "0020000D") ?? "", "study UID");
    }
  }

  /** A QIDO-RS search, page by page (limit/offset), as DICOM JSON objects. */
  async *#pages(path: string, filters: Record<string, string>): AsyncGenerator<unknown> {
    const size = this.#options.pageSize ?? 100;
    for (let offset = 0; ; offset += size) {
      const params = new URLSearchParams({ ...filters, limit: String(size), offset: String(offset) });
      const response = await this.#request(`${path}?${params}`, "application/dicom+json");
      const text = await this.#body(response, 64 * 1024 * 1024, "QIDO-RS answer");
      // 204 No Content, or an empty body: no (more) matches.
      if (response.status === 204 || text.length === 0) return;
      let items: unknown;
      try {
        items = JSON.parse(new TextDecoder().decode(text));
      } catch {
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The PACS answered a QIDO-RS search with something that is not DICOM JSON");
      }
      if (!Array.isArray(items))
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The PACS answered a QIDO-RS search with something that is not a DICOM JSON list");
      yield* items;
      if (items.length < size) return;
    }
  }

  /** One instance's DICOM bytes (WADO-RS, the first part of its multipart/related answer). */
  async fetchInstance(ref: InstanceRef): Promise<Uint8Array> {
    const path = `/studies/${checkUid(ref.study, "study UID")}/series/${checkUid(ref.series, "series UID")}/instances/${checkUid(ref.instance, "SOP instance UID")}`;
    const response = await this.#request(path, 'multipart/related; type="application/dicom"');
    const body = await this.#body(response, this.#options.maxInstanceBytes + 64 * 1024, "instance");
    const type = response.headers.get("content-type") ?? "";
    if (type.toLowerCase().startsWith("application/dicom")) return body;
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!type.toLowerCase().startsWith("multipart/related") || !boundary) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The PACS answered WADO-RS with something that is not a DICOM multipart answer");
    }
    return firstPart(body, boundary);
  }

  async #request(path: string, accept: string): Promise<Response> {
    const attempts = this.#options.attempts ?? 6;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(`${this.#base}${path}`, {
          headers: { accept, ...(this.#options.authorization ? { authorization: this.#options.authorization } : {}) },
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
          redirect: "error",
        });
        if (response.status < 500) {
          if (response.ok) return response;
          await response.body?.cancel();
          if (response.status === 404) throw new AppError("NOT_FOUND", "The PACS has no such study, series or instance");
          if (response.status === 401 || response.status === 403) throw new AppError("FORBIDDEN", "The PACS refused the credentials (authEnv)");
          throw new AppError("BAD_USER_INPUT", `The PACS refused the request (HTTP ${response.status})`);
        }
        await response.body?.cancel();
        lastError = new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (error instanceof AppError) throw error;
        lastError = error;
      }
      if (attempt < attempts) await sleep(Math.min(8_000, 500 * 2 ** (attempt - 1)));
    }
    throw new AppError("STORE_UNAVAILABLE", `The PACS did not answer after ${attempts} attempts`, { cause: lastError, expected: true });
  }

  /** The whole body, refused past `limit` bytes without reading further. */
  async #body(response: Response, limit: number, what: string): Promise<Uint8Array> {
    const declared = Number(response.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > limit) {
      await response.body?.cancel();
      throw new AppError("PAYLOAD_TOO_LARGE", `The PACS's ${what} is larger than ${limit} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body ?? []) {
        total += chunk.length;
        if (total > limit) throw new AppError("PAYLOAD_TOO_LARGE", `The PACS's ${what} is larger than ${limit} bytes`);
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("STORE_UNAVAILABLE", `The PACS's ${what} was cut off`, { cause: error, expected: true });
    }
    return Buffer.concat(chunks);
  }
}

/** The body of the first part of a multipart/related answer. */
export function firstPart(body: Uint8Array, boundary: string): Uint8Array {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const start = buffer.indexOf(delimiter);
  const headersEnd = start < 0 ? -1 : buffer.indexOf("\r\n\r\n", start);
  const end = headersEnd < 0 ? -1 : buffer.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
  if (start < 0 || headersEnd < 0 || end < 0) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The PACS's multipart answer is malformed");
  const headers = buffer.subarray(start, headersEnd).toString("latin1").toLowerCase();
  if (!/content-type:\s*application\/dicom/.test(headers)) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The PACS's answer holds no application/dicom part");
  return new Uint8Array(buffer.subarray(headersEnd + 4, end));
}
