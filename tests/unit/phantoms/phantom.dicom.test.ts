// The phantom DICOM writer produces Part 10 files a standard parser reads: preamble and DICM, an
// explicit-VR file meta group, CR/DX image attributes, the exact pixels, and no patient identifiers.
import dicomParser from "dicom-parser";
import { describe, expect, it } from "vitest";
import { EXPLICIT_VR_LITTLE_ENDIAN, SOP_CLASS, deriveUid, encodeDicom, type DicomImage } from "../../../src/phantoms/phantom.dicom.ts";

function image(overrides: Partial<DicomImage> = {}): DicomImage {
  const rows = 5;
  const columns = 3;
  const pixels = new Uint16Array(rows * columns);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 271) % 4096;
  return {
    modality: "DX",
    viewPosition: "PA",
    photometric: "MONOCHROME2",
    rows,
    columns,
    pixels,
    rescaleSlope: 1,
    rescaleIntercept: -1024,
    windowCenter: 900.5,
    windowWidth: 3000,
    uidWords: [1, 2, 3, 4],
    ...overrides,
  };
}

const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

describe("encodeDicom", () => {
  it("writes a 128-byte preamble, DICM, and a meta group with the right length", () => {
    const bytes = encodeDicom(image());
    expect(Array.from(bytes.subarray(0, 128)).every((b) => b === 0)).toBe(true);
    expect(String.fromCharCode(...bytes.subarray(128, 132))).toBe("DICM");
    const ds = dicomParser.parseDicom(bytes);
    expect(ds.string("x00020010")).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
    const metaEnd = ds.elements.x00020000.dataOffset + 4 + (ds.uint32("x00020000") ?? 0);
    const firstDataset = Object.values(ds.elements).find((e) => !e.tag.startsWith("x0002"));
    expect(firstDataset?.dataOffset).toBe(metaEnd + 8);
  });

  it("carries the image attributes and the exact stored pixels", () => {
    const img = image();
    const ds = dicomParser.parseDicom(encodeDicom(img));
    expect(ds.string("x00080016")).toBe(SOP_CLASS.DX);
    expect(ds.string("x00020002")).toBe(SOP_CLASS.DX);
    expect(ds.string("x00080018")).toBe(ds.string("x00020003"));
    expect(ds.string("x00080060")).toBe("DX");
    expect(ds.string("x00185101")).toBe("PA");
    expect(ds.string("x00280004")).toBe("MONOCHROME2");
    expect(ds.uint16("x00280010")).toBe(5);
    expect(ds.uint16("x00280011")).toBe(3);
    expect(ds.uint16("x00280100")).toBe(16);
    expect(ds.uint16("x00280101")).toBe(12);
    expect(ds.uint16("x00280102")).toBe(11);
    expect(ds.uint16("x00280103")).toBe(0);
    expect(ds.floatString("x00281052")).toBe(-1024);
    expect(ds.floatString("x00281053")).toBe(1);
    expect(ds.floatString("x00281050")).toBe(900.5);
    expect(ds.floatString("x00281051")).toBe(3000);
    const pixel = ds.elements.x7fe00010;
    expect(pixel.vr).toBe("OW");
    const stored = new Uint16Array(pixel.length / 2);
    const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + pixel.dataOffset, pixel.length);
    for (let i = 0; i < stored.length; i++) stored[i] = view.getUint16(i * 2, true);
    expect(Array.from(stored)).toEqual(Array.from(img.pixels));
  });

  it("writes CR and MONOCHROME1 when asked", () => {
    const ds = dicomParser.parseDicom(encodeDicom(image({ modality: "CR", photometric: "MONOCHROME1", viewPosition: "AP" })));
    expect(ds.string("x00080016")).toBe(SOP_CLASS.CR);
    expect(ds.string("x00280004")).toBe("MONOCHROME1");
    expect(ds.string("x00185101")).toBe("AP");
  });

  it("holds no patient name, id, birth date or acquisition time", () => {
    const ds = dicomParser.parseDicom(encodeDicom(image()));
    for (const tag of ["x00100010", "x00100020", "x00100030", "x00100040", "x00080020", "x00080030", "x00080021", "x00080022"]) {
      expect(ds.elements[tag], tag).toBeUndefined();
    }
    expect(ds.string("x00120062")).toBe("YES");
  });

  it("derives valid, distinct UIDs deterministically from the seed words", () => {
    const a = dicomParser.parseDicom(encodeDicom(image()));
    const b = dicomParser.parseDicom(encodeDicom(image()));
    const c = dicomParser.parseDicom(encodeDicom(image({ uidWords: [1, 2, 3, 5] })));
    const uids = ["x0020000d", "x0020000e", "x00080018"].map((t) => a.string(t) ?? "");
    for (const uid of uids) {
      expect(uid).toMatch(UID);
      expect(uid.length).toBeLessThanOrEqual(64);
    }
    expect(new Set(uids).size).toBe(3);
    expect(b.string("x00080018")).toBe(a.string("x00080018"));
    expect(c.string("x00080018")).not.toBe(a.string("x00080018"));
    expect(deriveUid([0, 0, 0, 0], 0)).toMatch(UID);
  });
});
