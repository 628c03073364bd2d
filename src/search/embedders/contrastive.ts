// Contrastive training of a static embedding table on pairs the corpus gives for free: a title and
// its abstract, and the Inverse Cloze Task (one sentence of an abstract and the rest of its paper).
// Each text is pooled as the idf-weighted sum of its words' rows, normalised; a batch of B pairs
// scores every query side against every document side (B×B cosines / τ) and the loss is the
// symmetric InfoNCE with the other pairs of the batch as negatives. The gradient of the pooling is
// a scatter-add into the rows of the words of each text; Adam updates only the rows a batch
// touched (lazy Adam). Pure: plain data in, the table out; no I/O.

export interface ContrastiveOptions {
  epochs?: number;
  batch?: number;
  temperature?: number;
  lr?: number;
  /** ICT pairs drawn per paper and epoch (one sentence → the rest of the paper). */
  ictPerDoc?: number;
  /**
   * At most this many papers per epoch (a random sample, drawn again each epoch, when there are
   * more): bounds the time at 1M papers. A pair costs about 0.8 ms of one core (batch 256, 256
   * dims), so 50,000 papers (about 150,000 pairs) an epoch and three epochs take about 6 minutes.
   */
  maxDocsPerEpoch?: number;
  seed?: number;
  /**
   * Share of batches made of papers alike (bucketed by random-hyperplane hashes of their current
   * vectors), whose in-batch negatives are harder than random ones; 0 = all batches at random.
   */
  hardBatches?: number;
}

/** A paper as token ids of the vocabulary (row ids of the table): its title, and its abstract by sentence. */
export interface TokenizedDoc {
  title: Int32Array;
  sentences: Int32Array[];
}

/** Where an interrupted training goes on from: the table, Adam's moments and the epochs done (structured-cloneable). */
export interface ContrastiveCheckpoint {
  epoch: number;
  step: number;
  table: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** Loss per epoch so far. */
  losses: number[];
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Splits an abstract into sentences: on . ! ? followed by space and a capital, digit or bracket, or
 * by a capital right away after a lower-case word ("…disabilities.A line scan…", as some corpora join them).
 */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\d([])|(?<=\p{Ll}{2}[.!?])(?=\p{Lu})/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function shuffle<T>(a: T[], rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

function hyperplanes(bits: number, dims: number, rand: () => number): Float32Array[] {
  return Array.from({ length: bits }, () => Float32Array.from({ length: dims }, () => rand() * 2 - 1));
}

/** The sign pattern of a paper's idf-weighted vector against the hyperplanes, as a number. */
function lshCode(d: TokenizedDoc, table: Float32Array, dims: number, idf: Float32Array, planes: Float32Array[]): number {
  const u = new Float32Array(dims);
  for (const part of [d.title, ...d.sentences])
    for (let i = 0; i < part.length; i++) {
      const r = part[i] * dims;
      const w = idf[part[i]];
      for (let k = 0; k < dims; k++) u[k] += w * table[r + k];
    }
  let code = 0;
  for (const p of planes) {
    let s = 0;
    for (let k = 0; k < dims; k++) s += p[k] * u[k];
    code = code * 2 + (s > 0 ? 1 : 0);
  }
  return code;
}

/** A pooled text: distinct rows and their weights (count × idf). */
interface Bag {
  ids: Int32Array;
  w: Float32Array;
}

function bag(parts: Int32Array[], idf: Float32Array): Bag {
  const counts = new Map<number, number>();
  for (const p of parts) for (let i = 0; i < p.length; i++) counts.set(p[i], (counts.get(p[i]) ?? 0) + 1);
  const ids = new Int32Array(counts.size);
  const w = new Float32Array(counts.size);
  let k = 0;
  for (const [id, c] of counts) {
    ids[k] = id;
    w[k++] = c * idf[id];
  }
  return { ids, w };
}

/**
 * Trains `table` ((V+1)×dims, row 0 unused) in place, from `resume` when given; `onEpoch` gets a
 * checkpoint after each epoch. Returns the mean loss of each epoch.
 */
export function trainContrastive(
  table: Float32Array,
  dims: number,
  idf: Float32Array,
  docs: TokenizedDoc[],
  opts: ContrastiveOptions & { resume?: ContrastiveCheckpoint; onEpoch?: (c: ContrastiveCheckpoint) => void; log?: (m: string) => void } = {},
): number[] {
  const epochs = opts.epochs ?? 3;
  const B = opts.batch ?? 256;
  const tau = opts.temperature ?? 0.05;
  const lr = opts.lr ?? 0.002;
  const ictPerDoc = opts.ictPerDoc ?? 2;
  const maxDocs = opts.maxDocsPerEpoch ?? 50_000;
  const hard = Math.min(1, Math.max(0, opts.hardBatches ?? 0));
  const log = opts.log ?? (() => {});
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  const rows = table.length / dims;
  let m: Float32Array = new Float32Array(table.length);
  let v: Float32Array = new Float32Array(table.length);
  let step = 0;
  let start = 0;
  const losses: number[] = [];
  if (opts.resume) {
    if (opts.resume.table.length !== table.length) throw new Error('the checkpoint is for another table');
    table.set(opts.resume.table);
    m = opts.resume.m;
    v = opts.resume.v;
    step = opts.resume.step;
    start = opts.resume.epoch;
    losses.push(...opts.resume.losses);
  }
  const grad = new Float32Array(table.length);
  const touched = new Int32Array(rows);
  let touchStamp = 0;
  const touchedList: number[] = [];

  // Per batch scratch: pooled unnormalised vectors, norms, normalised vectors and their gradients.
  const ua = new Float32Array(B * dims);
  const ub = new Float32Array(B * dims);
  const na = new Float32Array(B);
  const nb = new Float32Array(B);
  const ga = new Float32Array(B * dims);
  const gb = new Float32Array(B * dims);
  const S = new Float64Array(B * B);
  const G = new Float64Array(B * B);

  const pool = (bags: Bag[], u: Float32Array, norms: Float32Array) => {
    u.fill(0);
    for (let i = 0; i < bags.length; i++) {
      const { ids, w } = bags[i];
      const o = i * dims;
      for (let k = 0; k < ids.length; k++) {
        const r = ids[k] * dims;
        const wk = w[k];
        for (let d = 0; d < dims; d++) u[o + d] += wk * table[r + d];
      }
      let n = 0;
      for (let d = 0; d < dims; d++) n += u[o + d] * u[o + d];
      n = Math.sqrt(n) || 1;
      norms[i] = n;
      for (let d = 0; d < dims; d++) u[o + d] /= n; // u now holds z
    }
  };

  /** Back through the normalisation and the pooling: scatter-add w × dL/du into each word's row. */
  const scatter = (bags: Bag[], z: Float32Array, norms: Float32Array, g: Float32Array) => {
    for (let i = 0; i < bags.length; i++) {
      const o = i * dims;
      let zg = 0;
      for (let d = 0; d < dims; d++) zg += z[o + d] * g[o + d];
      const inv = 1 / norms[i];
      for (let d = 0; d < dims; d++) g[o + d] = (g[o + d] - z[o + d] * zg) * inv;
      const { ids, w } = bags[i];
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        if (touched[id] !== touchStamp) {
          touched[id] = touchStamp;
          touchedList.push(id);
        }
        const r = id * dims;
        const wk = w[k];
        for (let d = 0; d < dims; d++) grad[r + d] += wk * g[o + d];
      }
    }
  };

  const usable = docs.filter((d) => d.title.length + d.sentences.reduce((s, x) => s + x.length, 0) > 0);
  for (let epoch = start; epoch < epochs; epoch++) {
    // Each epoch draws from its own seed: a resumed training repeats exactly what the lost one did.
    const rand = rng((opts.seed ?? 7) + epoch * 7919);
    // This epoch's pairs: title → abstract, and sentence → title + the other sentences.
    let sample = usable;
    if (usable.length > maxDocs) {
      sample = [];
      const p = maxDocs / usable.length;
      for (const d of usable) if (rand() < p) sample.push(d);
    }
    // Pairs by kind (0: title → abstract, k: the k-th sentence drawn), each with its paper's hash.
    const kinds: { pair: [Bag, Bag]; code: number }[][] = [];
    const add = (kind: number, pair: [Bag, Bag], code: number) => (kinds[kind] ??= []).push({ pair, code });
    const planes = hard > 0 ? hyperplanes(Math.max(1, Math.min(20, Math.ceil(Math.log2(Math.max(2, sample.length / B))))), dims, rand) : [];
    for (const d of sample) {
      const code = hard > 0 ? lshCode(d, table, dims, idf, planes) : 0;
      if (d.title.length && d.sentences.length) add(0, [bag([d.title], idf), bag(d.sentences, idf)], code);
      if (d.sentences.length < 2) continue;
      const picks = new Set<number>();
      for (let k = 0; k < ictPerDoc && picks.size < d.sentences.length; k++) picks.add(Math.floor(rand() * d.sentences.length));
      let k = 0;
      for (const s of picks) {
        if (d.sentences[s].length < 3) continue;
        const rest = [d.title, ...d.sentences.filter((_, i) => i !== s)];
        add(++k, [bag([d.sentences[s]], idf), bag(rest, idf)], code);
      }
    }
    // Batches: a share `hard` of them from papers alike (same kind, sorted by hash, so a batch's
    // negatives are near its positives and no two pairs of one paper meet), the rest at random.
    const batchList: [Bag, Bag][][] = [];
    const loose: [Bag, Bag][] = [];
    for (const list of kinds) {
      if (!list) continue;
      shuffle(list, rand);
      const cut = Math.floor(list.length * hard);
      const alike = list.slice(0, cut).sort((a, b) => a.code - b.code);
      for (let i = 0; i < alike.length; i += B) batchList.push(alike.slice(i, i + B).map((x) => x.pair));
      for (const x of list.slice(cut)) loose.push(x.pair);
    }
    shuffle(loose, rand);
    for (let i = 0; i < loose.length; i += B) batchList.push(loose.slice(i, i + B));
    shuffle(batchList, rand);
    const pairs = { length: batchList.reduce((n, b) => n + b.length, 0) };
    let lossSum = 0;
    let batches = 0;
    for (const batch of batchList) {
      const n = batch.length;
      if (n < 8) continue;
      const qa = batch.map((x) => x[0]);
      const qb = batch.map((x) => x[1]);
      pool(qa, ua, na);
      pool(qb, ub, nb);
      // Scores, then the symmetric InfoNCE gradient G = (softmax by row − I + softmax by column − I) / 2n.
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          const oi = i * dims;
          const oj = j * dims;
          for (let d = 0; d < dims; d++) s += ua[oi + d] * ub[oj + d];
          S[i * B + j] = s / tau;
        }
      let loss = 0;
      G.fill(0);
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, S[i * B + j]);
        let z = 0;
        for (let j = 0; j < n; j++) z += Math.exp(S[i * B + j] - mx);
        loss += mx + Math.log(z) - S[i * B + i];
        for (let j = 0; j < n; j++) G[i * B + j] += (Math.exp(S[i * B + j] - mx) / z - (i === j ? 1 : 0)) / (2 * n);
      }
      for (let j = 0; j < n; j++) {
        let mx = -Infinity;
        for (let i = 0; i < n; i++) mx = Math.max(mx, S[i * B + j]);
        let z = 0;
        for (let i = 0; i < n; i++) z += Math.exp(S[i * B + j] - mx);
        loss += mx + Math.log(z) - S[j * B + j];
        for (let i = 0; i < n; i++) G[i * B + j] += (Math.exp(S[i * B + j] - mx) / z - (i === j ? 1 : 0)) / (2 * n);
      }
      lossSum += loss / (2 * n);
      batches++;
      // dL/dz_a = G z_b / τ, dL/dz_b = Gᵀ z_a / τ.
      ga.fill(0);
      gb.fill(0);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const g = G[i * B + j] / tau;
          if (g === 0) continue;
          const oi = i * dims;
          const oj = j * dims;
          for (let d = 0; d < dims; d++) {
            ga[oi + d] += g * ub[oj + d];
            gb[oj + d] += g * ua[oi + d];
          }
        }
      touchStamp++;
      touchedList.length = 0;
      scatter(qa, ua, na, ga);
      scatter(qb, ub, nb, gb);
      // Lazy Adam on the touched rows.
      step++;
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      const a = (lr * Math.sqrt(c2)) / c1;
      for (const id of touchedList) {
        const r = id * dims;
        for (let d = r; d < r + dims; d++) {
          const g = grad[d];
          m[d] = b1 * m[d] + (1 - b1) * g;
          v[d] = b2 * v[d] + (1 - b2) * g * g;
          table[d] -= (a * m[d]) / (Math.sqrt(v[d]) + eps);
          grad[d] = 0;
        }
      }
    }
    losses.push(batches ? lossSum / batches : 0);
    log(`contrastive epoch ${epoch + 1}/${epochs}: ${pairs.length} pairs, loss ${losses[losses.length - 1].toFixed(4)}`);
    opts.onEpoch?.({ epoch: epoch + 1, step, table, m, v, losses: [...losses] });
  }
  return losses;
}
