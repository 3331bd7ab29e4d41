// jpeg-lossless-decoder-js ships no types in its published files; the part the lossless benchmark uses.
declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    /** Bytes per decoded sample (1 or 2), set by decode. */
    numBytes: number;
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): ArrayBuffer;
  }
}
