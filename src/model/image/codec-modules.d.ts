// The Emscripten factories of Cornerstone's codec packages ship without types: each default export
// instantiates its WebAssembly module with the given Emscripten options.
declare module "@cornerstonejs/codec-openjpeg/decodewasmjs" {
  const factory: (options?: object) => Promise<Record<string, unknown>>;
  export default factory;
}
declare module "@cornerstonejs/codec-openjph/wasmjs" {
  const factory: (options?: object) => Promise<Record<string, unknown>>;
  export default factory;
}
declare module "@cornerstonejs/codec-charls/decodewasmjs" {
  const factory: (options?: object) => Promise<Record<string, unknown>>;
  export default factory;
}
