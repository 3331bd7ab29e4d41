// The DICOMweb client's own parsing (src/services/ingest/dicomweb.client.ts): base URLs, and the
// first part of a multipart/related answer.
import { describe, expect, it } from "vitest";
import { dicomWebBase, firstPart } from "../../../src/services/ingest/dicomweb.client.ts";
import { checkDicomWebSource } from "../../../src/services/ingest/ingest.sources.ts";

describe("DICOMweb client", () => {
  it("takes dicomweb+http(s) and plain base URLs, without trailing slashes, and refuses credentials or queries", () => {
    expect(dicomWebBase("dicomweb+http://pacs:8042/dicom-web/")).toBe("http://pacs:8042/dicom-web");
    expect(dicomWebBase("https://pacs.example.org/wado")).toBe("https://pacs.example.org/wado");
    expect(() => dicomWebBase("dicomweb+http://user:pw@pacs/dicom-web")).toThrow(/environment variable/);
    expect(() => dicomWebBase("ftp://pacs/dicom-web")).toThrow(/http or https/);
    expect(() => dicomWebBase("http://pacs/dicom-web?x=1")).toThrow(/no query/);
    expect(() => dicomWebBase("not a url")).toThrow(/not a URL/);
  });

  it("reads the first application/dicom part of a multipart answer, and refuses a malformed one", () => {
    const body = Buffer.from(
      "--b1\r\nContent-Type: application/dicom\r\nContent-Length: 4\r\n\r\nDICM\r\n--b1\r\nContent-Type: application/dicom\r\n\r\nXXXX\r\n--b1--\r\n",
    );
    expect(Buffer.from(firstPart(body, "b1")).toString()).toBe("DICM");
    expect(() => firstPart(Buffer.from("--b1\r\nContent-Type: text/html\r\n\r\n<html>\r\n--b1--"), "b1")).toThrow(/no application\/dicom part/);
    expect(() => firstPart(Buffer.from("--b1\r\nContent-Type: application/dicom\r\n\r\ncut"), "b1")).toThrow(/malformed/);
  });

  it("checks a source's UIDs, modalities, date and variable name", () => {
    const base = { kind: "dicomweb" as const, url: "http://pacs/dicom-web" };
    expect(() =>
      checkDicomWebSource({ ...base, studies: ["1.2.840.1"], modalities: ["CR", "DX"], since: "20240101", authEnv: "DICOMWEB_AUTH_PACS" }),
    ).not.toThrow();
    expect(() => checkDicomWebSource({ ...base, studies: ["1.2.x"] })).toThrow(/Study Instance UID/);
    expect(() => checkDicomWebSource({ ...base, modalities: ["cr; drop"] })).toThrow(/modality/);
    expect(() => checkDicomWebSource({ ...base, since: "2024-01-01" })).toThrow(/YYYYMMDD/);
    expect(() => checkDicomWebSource({ ...base, authEnv: "HOME" })).toThrow(/DICOMWEB_AUTH_/);
  });
});
