// dcmjs ships no types; the part the tests use to write DICOM files (structured reports).
declare module "dcmjs" {
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomMetaDictionary: { denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown> };
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
    };
  };
  export default dcmjs;
}
