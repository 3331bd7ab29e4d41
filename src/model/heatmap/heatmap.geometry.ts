// Where the encoder's crop sits in the original image: gloria-numerics §2.2–§2.5 geometry (resize of the
// longer side, centred zero padding, centre crop) as numbers, so maps can be drawn back. Pure.

export interface PreprocessGeometry {
  /** Original image size. */
  width: number;
  height: number;
  /** Size after the aspect-preserving resize (§2.2). */
  resizedWidth: number;
  resizedHeight: number;
  /** Left/top zero padding inside the square canvas (§2.3). */
  padLeft: number;
  padTop: number;
  /** Canvas side (256) and crop side (224), and the crop's offset in the canvas (§2.5). */
  canvas: number;
  crop: number;
  cropOffset: number;
}

/** Python's round(): halves go to the even neighbour (torchvision CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function preprocessGeometry(width: number, height: number, resize: number, crop: number): PreprocessGeometry {
  if (!(width > 0 && height > 0)) throw new RangeError("image size must be positive");
  // §2.2: ties count as "taller"; scale computed first in double precision, then truncated.
  const tall = height >= width;
  const resizedHeight = tall ? resize : Math.trunc(height * (resize / width));
  const resizedWidth = tall ? Math.trunc(width * (resize / height)) : resize;
  return {
    width,
    height,
    resizedWidth,
    resizedHeight,
    padLeft: Math.floor((resize - resizedWidth) / 2),
    padTop: Math.floor((resize - resizedHeight) / 2),
    canvas: resize,
    crop,
    cropOffset: roundHalfEven((resize - crop) / 2),
  };
}
