// GLoRIA's combined score, gloria-numerics §4.3: the plain mean of the local and global scores, with no
// rescaling, so the local score (range [−5, 5]) dominates the global cosine ([−1, 1]). Pure maths.

/** (local + global) / 2, element-wise, in float32 like the reference. */
export function combineScores(local: ArrayLike<number>, global: ArrayLike<number>): Float32Array {
  if (local.length !== global.length) throw new RangeError("local and global scores differ in length");
  const out = new Float32Array(local.length);
  for (let i = 0; i < local.length; i++) out[i] = (Math.fround(local[i]) + Math.fround(global[i])) / 2;
  return out;
}
