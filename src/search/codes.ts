// Binary codes for the vector index's graph (layered-index.ts): a vector's signs after two fixed
// random rotations, one bit a dimension each, so the Hamming distance of two codes estimates the
// angle between the vectors. The learned dimensions themselves make poor bits: their variance sits in
// a few of them, and on SciFact the exact Hamming top 400 of the raw signs held 74% of the int8
// top 100. A rotation spreads it: 91% with one rotation (256 bits), 98% with two (512 bits),
// rescored with the int8 vectors (docs/architecture.md). Each rotation is H·D₃·H·D₂·H·D₁: random
// sign flips (D) and the Walsh–Hadamard transform (H), O(d log d), a few microseconds a vector.
// The signs come from a fixed seed: every process and every build makes the same codes.

/** Rotations (each gives one bit a dimension). */
const ROTATIONS = 2;
const ROUNDS = 3;
const SEED = 0x5eed_c0de;

/** The rotations work on a power of two: shorter vectors are padded with zeros. */
function padded(dims: number): number {
  let p = 1;
  while (p < dims) p <<= 1;
  return p;
}

/** Bits (the usearch dimensions of the graph) of a code for vectors of `dims`. */
export function codeBits(dims: number): number {
  return ROTATIONS * padded(dims);
}

const signCache = new Map<number, Float32Array[]>();

/** The random sign flips for vectors padded to `p` (ROTATIONS × ROUNDS arrays of ±1; mulberry32 from SEED). */
function signs(p: number): Float32Array[] {
  let s = signCache.get(p);
  if (s) return s;
  let a = SEED >>> 0;
  const bit = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) & 1 ? 1 : -1;
  };
  s = Array.from({ length: ROTATIONS * ROUNDS }, () => Float32Array.from({ length: p }, bit));
  signCache.set(p, s);
  return s;
}

/** In-place unnormalised Walsh–Hadamard transform (length a power of two). */
function fwht(a: Float32Array): void {
  for (let h = 1; h < a.length; h <<= 1) {
    for (let i = 0; i < a.length; i += h << 1) {
      for (let j = i; j < i + h; j++) {
        const x = a[j];
        const y = a[j + h];
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
}

/**
 * The code of `v` (any scale) as usearch's b1 takes it: codeBits(v.length) values, 1 where the
 * rotated component is positive, else 0 (usearch sets a bit for each value above zero).
 */
export function binaryCode(v: Float32Array | Int8Array, out = new Int8Array(codeBits(v.length))): Int8Array {
  const p = padded(v.length);
  const s = signs(p);
  const a = new Float32Array(p);
  for (let r = 0; r < ROTATIONS; r++) {
    a.fill(0);
    for (let i = 0; i < v.length; i++) a[i] = v[i];
    for (let t = 0; t < ROUNDS; t++) {
      const d = s[r * ROUNDS + t];
      for (let i = 0; i < p; i++) a[i] *= d[i];
      fwht(a);
    }
    for (let i = 0; i < p; i++) out[r * p + i] = a[i] > 0 ? 1 : 0;
  }
  return out;
}

/** Codes of n vectors (`vectors`: n × dims, int8) in one array (n × codeBits(dims)). */
export function binaryCodes(vectors: Int8Array, dims: number): Int8Array {
  const n = vectors.length / dims;
  const bits = codeBits(dims);
  const out = new Int8Array(n * bits);
  for (let i = 0; i < n; i++) binaryCode(vectors.subarray(i * dims, (i + 1) * dims), out.subarray(i * bits, (i + 1) * bits));
  return out;
}
