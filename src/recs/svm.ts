// A linear support vector machine trained by dual coordinate descent, as liblinear does it
// (Hsieh et al., ICML 2008; liblinear's solve_l2r_l1l2_svc with its shrinking heuristic). The
// default is scikit-learn's LinearSVC: L2-regularised squared hinge loss, an intercept learned as
// a feature of constant value 1 (intercept_scaling = 1, regularised like the other weights), and
// per-class costs C·weight for class_weight = 'balanced' (weight = n / (2·n_class)).
import type { SparseRow } from './features.ts';

export interface SvmOptions {
  /** The regularisation constant (arxiv-sanity-lite: 0.01). */
  C?: number;
  /** 'balanced' scales each class's C by n / (2·n_class), as scikit-learn does. */
  classWeight?: 'balanced' | 'none';
  /** squared_hinge (LinearSVC's default, liblinear solver 1) or hinge (solver 3). */
  loss?: 'squared_hinge' | 'hinge';
  /** Stopping tolerance on the projected gradient's spread (sanity-lite: 1e-6). */
  tol?: number;
  maxIter?: number;
  /** Value of the constant intercept feature; 0 learns no intercept. */
  bias?: number;
  /** Extra factor on each example's cost (e.g. a "not interested" counts more than a random negative). */
  costs?: ArrayLike<number>;
  seed?: number;
}

export interface LinearModel {
  /** Weights of the columns, then the intercept's at index `cols`. */
  w: Float64Array;
  cols: number;
  bias: number;
  iterations: number;
}

export function decision(m: LinearModel, x: SparseRow): number {
  let s = m.bias ? m.w[m.cols] * m.bias : 0;
  for (let p = 0; p < x.idx.length; p++) s += m.w[x.idx[p]] * x.val[p];
  return s;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Trains on rows `x` (columns in [0, cols)) with labels y ∈ {+1, −1}. */
export function trainSvm(x: SparseRow[], y: ArrayLike<number>, cols: number, opts: SvmOptions = {}): LinearModel {
  const l = x.length;
  const C = opts.C ?? 0.01;
  const tol = opts.tol ?? 1e-6;
  const maxIter = opts.maxIter ?? 10_000;
  const bias = opts.bias ?? 1;
  const l2 = (opts.loss ?? 'squared_hinge') === 'squared_hinge';
  let nPos = 0;
  for (let i = 0; i < l; i++) if (y[i] > 0) nPos++;
  const nNeg = l - nPos;
  const balanced = (opts.classWeight ?? 'balanced') === 'balanced';
  const cPos = balanced && nPos ? (C * l) / (2 * nPos) : C;
  const cNeg = balanced && nNeg ? (C * l) / (2 * nNeg) : C;

  const w = new Float64Array(cols + 1);
  const alpha = new Float64Array(l);
  const diag = new Float64Array(l);
  const upper = new Float64Array(l);
  const qd = new Float64Array(l);
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) {
    const ci = (y[i] > 0 ? cPos : cNeg) * (opts.costs ? opts.costs[i] : 1);
    diag[i] = l2 ? 0.5 / ci : 0;
    upper[i] = l2 ? Infinity : ci;
    let sq = bias * bias;
    const v = x[i].val;
    for (let p = 0; p < v.length; p++) sq += v[p] * v[p];
    qd[i] = diag[i] + sq;
    index[i] = i;
  }
  const rand = rng(opts.seed ?? 1);
  let active = l;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  while (iter < maxIter) {
    let pgMaxNew = -Infinity;
    let pgMinNew = Infinity;
    for (let i = 0; i < active; i++) {
      const j = i + rand(active - i);
      const t = index[i];
      index[i] = index[j];
      index[j] = t;
    }
    for (let s = 0; s < active; s++) {
      const i = index[s];
      const yi = y[i] > 0 ? 1 : -1;
      const xi = x[i];
      let dot = w[cols] * bias;
      for (let p = 0; p < xi.idx.length; p++) dot += w[xi.idx[p]] * xi.val[p];
      const G = yi * dot - 1 + alpha[i] * diag[i];
      const U = upper[i];
      let PG = 0;
      if (alpha[i] === 0) {
        if (G > pgMaxOld) {
          active--;
          index[s] = index[active];
          index[active] = i;
          s--;
          continue;
        } else if (G < 0) PG = G;
      } else if (alpha[i] === U) {
        if (G < pgMinOld) {
          active--;
          index[s] = index[active];
          index[active] = i;
          s--;
          continue;
        } else if (G > 0) PG = G;
      } else PG = G;
      if (PG > pgMaxNew) pgMaxNew = PG;
      if (PG < pgMinNew) pgMinNew = PG;
      if (Math.abs(PG) > 1e-12) {
        const old = alpha[i];
        alpha[i] = Math.min(Math.max(old - G / qd[i], 0), U);
        const d = (alpha[i] - old) * yi;
        for (let p = 0; p < xi.idx.length; p++) w[xi.idx[p]] += d * xi.val[p];
        w[cols] += d * bias;
      }
    }
    iter++;
    if (pgMaxNew - pgMinNew <= tol) {
      if (active === l) break;
      active = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew <= 0 ? Infinity : pgMaxNew;
    pgMinOld = pgMinNew >= 0 ? -Infinity : pgMinNew;
  }
  return { w, cols, bias, iterations: iter };
}
