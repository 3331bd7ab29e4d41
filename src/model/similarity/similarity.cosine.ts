// Global similarity, gloria-numerics §4.1: scikit-learn's cosine_similarity semantics in float32 (each row
// L2-normalised, a zero row stays zero with no epsilon, then dot products). Pure maths.

function l2Normalised(row: Float32Array): Float64Array {
  let sumSq = 0;
  for (let i = 0; i < row.length; i++) sumSq += row[i] * row[i];
  const norm = Math.sqrt(sumSq);
  const out = new Float64Array(row.length);
  // sklearn's normalize leaves a zero-norm row as zeros, so its cosine with anything is 0.
  if (norm === 0) return out;
  for (let i = 0; i < row.length; i++) out[i] = row[i] / norm;
  return out;
}

/** [N, M] row-major: cosine of every row of `a` against every row of `b`, rounded to float32. */
export function cosineMatrix(a: readonly Float32Array[], b: readonly Float32Array[]): Float32Array {
  const an = a.map(l2Normalised);
  const bn = b.map(l2Normalised);
  const out = new Float32Array(a.length * b.length);
  for (let i = 0; i < an.length; i++) {
    const x = an[i];
    for (let j = 0; j < bn.length; j++) {
      const y = bn[j];
      if (x.length !== y.length) throw new RangeError(`cosine of vectors of length ${x.length} and ${y.length}`);
      let dot = 0;
      for (let d = 0; d < x.length; d++) dot += x[d] * y[d];
      out[i * b.length + j] = dot;
    }
  }
  return out;
}

/** Cosine of one query against each candidate, in candidate order. */
export function cosineToEach(query: Float32Array, candidates: readonly Float32Array[]): Float32Array {
  return cosineMatrix([query], candidates);
}
