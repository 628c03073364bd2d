// Linear algebra of the PPMI stage (train.ts): a sparse symmetric matrix times a dense block, the
// block orthonormalised, and the eigenpairs of the small projected matrix (Jacobi rotations).

/** Symmetric sparse matrix in CSR form. */
export interface Csr {
  n: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
}

/** out (n×l, row-major) = M · X (n×l). */
export function spmm(m: Csr, x: Float64Array, l: number): Float64Array {
  const out = new Float64Array(m.n * l);
  for (let i = 0; i < m.n; i++) {
    const oi = i * l;
    for (let p = m.rowPtr[i]; p < m.rowPtr[i + 1]; p++) {
      const v = m.vals[p];
      const xj = m.cols[p] * l;
      for (let c = 0; c < l; c++) out[oi + c] += v * x[xj + c];
    }
  }
  return out;
}

/** Orthonormalises the columns of Y (n×l, row-major) in place by Cholesky QR, twice for stability. */
export function orthonormalize(y: Float64Array, n: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    const g = new Float64Array(l * l);
    for (let i = 0; i < n; i++) {
      const r = i * l;
      for (let a = 0; a < l; a++) {
        const ya = y[r + a];
        if (ya === 0) continue;
        const ga = a * l;
        for (let b = a; b < l; b++) g[ga + b] += ya * y[r + b];
      }
    }
    let trace = 0;
    for (let a = 0; a < l; a++) trace += g[a * l + a];
    // Cholesky G = RᵀR (upper R), with a small jitter against rank deficiency.
    const R = new Float64Array(l * l);
    for (let a = 0; a < l; a++) {
      for (let b = a; b < l; b++) {
        let s = g[a * l + b];
        for (let k = 0; k < a; k++) s -= R[k * l + a] * R[k * l + b];
        if (a === b) R[a * l + a] = Math.sqrt(Math.max(s, 1e-10 * (trace / l) + 1e-30));
        else R[a * l + b] = s / R[a * l + a];
      }
    }
    // Y ← Y R⁻¹, row by row (forward substitution).
    const row = new Float64Array(l);
    for (let i = 0; i < n; i++) {
      const r = i * l;
      for (let b = 0; b < l; b++) {
        let s = y[r + b];
        for (let k = 0; k < b; k++) s -= row[k] * R[k * l + b];
        row[b] = s / R[b * l + b];
      }
      y.set(row, r);
    }
  }
}

/** Eigen-decomposition of a small symmetric matrix (l×l) by cyclic Jacobi rotations. */
export function jacobiEigen(a: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += a[p * l + q] ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q];
        if (Math.abs(apq) < 1e-14) continue;
        const theta = (a[q * l + q] - a[p * l + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p];
          const akq = a[k * l + q];
          a[k * l + p] = c * akp - s * akq;
          a[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k];
          const aqk = a[q * l + k];
          a[p * l + k] = c * apk - s * aqk;
          a[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p];
          const vkq = v[k * l + q];
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(l);
  for (let i = 0; i < l; i++) values[i] = a[i * l + i];
  return { values, vectors: v };
}
