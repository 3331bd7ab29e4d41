// Multi-label logistic heads (GLoRIA's linear probe: one sigmoid output per class, BCE) fitted by
// Newton steps (IRLS) with ml-matrix's Cholesky solve: the exact optimum of a strictly convex loss,
// the same for every run. Pure numbers in, numbers out; no I/O.
import { CholeskyDecomposition, Matrix } from "ml-matrix";

/** One class's head: p = σ(w·x + b). */
export interface LogisticHead {
  weights: Float64Array;
  bias: number;
  /** Newton steps taken; `converged` is false when MAX_STEPS ran out first. */
  steps: number;
  converged: boolean;
}

/** Newton converges in a handful of steps on these losses; the bound only stops a pathological input. */
const MAX_STEPS = 50;
/** Stop when the largest gradient component (per sample) is below this. */
const GRADIENT_TOLERANCE = 1e-10;

/**
 * Fits one head per label column: minimises Σᵢ BCE(σ(w·xᵢ + b), yᵢ) + (l2 / 2)·‖w‖², the intercept
 * b unpenalised — scikit-learn's LogisticRegression(penalty="l2", C = 1 / l2, fit_intercept=True).
 * `features` is n rows of length d; `labels[c][i]` is 1 when sample i has class c, else 0.
 * Throws RangeError for no samples, ragged rows, or l2 ≤ 0 (the penalty keeps separable classes finite).
 */
export function fitLogisticHeads(features: readonly ArrayLike<number>[], labels: readonly (readonly number[])[], l2: number): LogisticHead[] {
  const n = features.length;
  if (n === 0) throw new RangeError("no training samples");
  if (!(l2 > 0) || !Number.isFinite(l2)) throw new RangeError(`l2 must be a positive number; got ${l2}`);
  const d = features[0]!.length;
  // The design matrix with a leading column of ones for the intercept.
  const X = new Matrix(n, d + 1);
  features.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`sample ${i} has ${row.length} features; expected ${d}`);
    X.set(i, 0, 1);
    for (let j = 0; j < d; j++) X.set(i, j + 1, row[j]!);
  });
  const Xt = X.transpose();
  return labels.map((column) => {
    if (column.length !== n) throw new RangeError(`${column.length} labels for ${n} samples`);
    return fitOne(X, Xt, Matrix.columnVector([...column]), l2);
  });
}

function fitOne(X: Matrix, Xt: Matrix, y: Matrix, l2: number): LogisticHead {
  const n = X.rows;
  const k = X.columns;
  // The penalty on every coefficient but the intercept (index 0).
  const penalty = Matrix.eye(k, k).mul(l2);
  penalty.set(0, 0, 0);
  let beta = Matrix.zeros(k, 1);
  let loss = objective(X, y, beta, l2);
  for (let step = 1; step <= MAX_STEPS; step++) {
    const p = sigmoid(X.mmul(beta));
    const gradient = Xt.mmul(Matrix.sub(p, y)).add(penalty.mmul(beta));
    if (gradient.clone().abs().max() / n < GRADIENT_TOLERANCE) return head(beta, step - 1, true);
    // Hessian Xᵀ S X + λ P with S = diag(p(1 − p)): scale X's rows instead of forming S.
    const s = Matrix.sub(p, Matrix.mul(p, p)).getColumn(0);
    const weighted = X.clone().mulColumnVector(s);
    // A tiny ridge on the intercept keeps the system positive definite when every p saturates.
    const product = Xt.mmul(weighted);
    // Exactly symmetric for the Cholesky solve (the product's rounding can differ across the diagonal).
    const hessian = Matrix.add(product, product.transpose()).mul(0.5).add(penalty);
    hessian.set(0, 0, hessian.get(0, 0) + 1e-12);
    const direction = new CholeskyDecomposition(hessian).solve(gradient);
    // Damped step: halve until the loss does not rise (Newton's full step is taken near the optimum).
    let scale = 1;
    let next = Matrix.sub(beta, Matrix.mul(direction, scale));
    let nextLoss = objective(X, y, next, l2);
    while (nextLoss > loss && scale > 1e-8) {
      scale /= 2;
      next = Matrix.sub(beta, Matrix.mul(direction, scale));
      nextLoss = objective(X, y, next, l2);
    }
    beta = next;
    loss = nextLoss;
  }
  return head(beta, MAX_STEPS, false);
}

function head(beta: Matrix, steps: number, converged: boolean): LogisticHead {
  const all = beta.getColumn(0);
  return { bias: all[0]!, weights: Float64Array.from(all.slice(1)), steps, converged };
}

/** Σ BCE + (l2 / 2)‖w‖², with log(1 + e^z) computed without overflow. */
function objective(X: Matrix, y: Matrix, beta: Matrix, l2: number): number {
  const z = X.mmul(beta);
  let total = 0;
  for (let i = 0; i < z.rows; i++) {
    const zi = z.get(i, 0);
    total += softplus(zi) - y.get(i, 0) * zi;
  }
  let norm = 0;
  for (let j = 1; j < beta.rows; j++) norm += beta.get(j, 0) ** 2;
  return total + (l2 / 2) * norm;
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: Matrix): Matrix {
  const out = new Matrix(z.rows, 1);
  for (let i = 0; i < z.rows; i++) out.set(i, 0, logistic(z.get(i, 0)));
  return out;
}

/** σ(z) = 1 / (1 + e^−z). */
export function logistic(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** σ(w·x + b) of one head on one feature vector. */
export function headProbability(h: { weights: ArrayLike<number>; bias: number }, x: ArrayLike<number>): number {
  let z = h.bias;
  for (let j = 0; j < x.length; j++) z += h.weights[j]! * x[j]!;
  return logistic(z);
}
