// Contrastive training of a static embedding table on pairs the corpus gives for free: a title and
// its abstract, and the Inverse Cloze Task (one sentence of an abstract and the rest of its paper).
// Each text is pooled as the idf-weighted sum of its words' rows, normalised; a batch of B pairs
// scores every query side against every document side (B×B cosines / τ) and the loss is the
// symmetric InfoNCE with the other pairs of the batch as negatives. The gradient of the pooling is
// a scatter-add into the rows of the words of each text; Adam updates only the rows a batch
// touched (lazy Adam). Pure: plain data in, the table out; no I/O.
import { lexicalMatcher } from './neighbours.ts';
import { Arena, kernels, newMemory, RowSum } from '../simd.ts';

export interface ContrastiveOptions {
  /** 5 (SciFact training queries, vector nDCG@10 with every word kept: 3 0.664, 5 0.673, 8 0.669). */
  epochs?: number;
  batch?: number;
  /** τ: 0.1 (SciFact training queries, vector nDCG@10: 0.05 0.596, 0.1 0.610, 0.2 0.595). */
  temperature?: number;
  lr?: number;
  /** ICT pairs drawn per paper and epoch (one sentence → the rest of the paper). */
  ictPerDoc?: number;
  /**
   * At most this many papers per epoch (a random sample, drawn again each epoch, when there are
   * more): bounds the time at 1M papers. A pair cost 0.8–1.1 ms of one core in JavaScript (batch
   * 256, 256 dims) and about 0.1 ms on the SIMD kernels, so 18,000 papers (about 52,000 pairs) an
   * epoch and five epochs take about 30 s (3.5–5 minutes before the kernels; the 2.7M pipeline
   * bench: 117 s for the whole training, most of it the PPMI stage on its 200,000-paper sample).
   */
  maxDocsPerEpoch?: number;
  seed?: number;
  /**
   * A hard negative beside each pair: the paper of the epoch's sample that shares the most
   * (idf-weighted) words with the query side, other than its own (neighbours.ts). Each query then
   * scores B positives-or-in-batch-negatives and B hard negatives. (Batches of papers alike by
   * random-hyperplane hashes of their vectors were tried before: no gain.)
   */
  hardNegatives?: boolean;
  /** Learning rate over the training: constant, or falling linearly to a tenth of `lr` by the last batch. */
  schedule?: 'constant' | 'linear';
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

/** A pooled text: distinct rows and their weights (count × idf). */
interface Bag {
  ids: Int32Array;
  w: Float32Array;
}
/** Query side, document side, and the hard negative when asked for. */
type Pair = [Bag, Bag, Bag?];

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
  const epochs = opts.epochs ?? 5;
  const B = opts.batch ?? 256;
  const tau = opts.temperature ?? 0.1;
  const lr = opts.lr ?? 0.002;
  const ictPerDoc = opts.ictPerDoc ?? 2;
  const maxDocs = opts.maxDocsPerEpoch ?? 18_000;
  const hardNeg = opts.hardNegatives ?? false;
  const linear = opts.schedule === 'linear';
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
  // The table, its gradient and the batch's vectors live in one memory for the kernels (SIMD where
  // the runtime has it): pooling, the B×B scores and the gradient's sums are their loops.
  const rowBytes = dims * 4;
  const memory = newMemory(2 * table.byteLength + 8 * B * rowBytes + B * B * 4 + RowSum.BYTES + 1024);
  const arena = new Arena(memory);
  const k = kernels(memory, { simd: dims % 4 === 0 });
  const tableAt = arena.take(table.byteLength);
  const tab = arena.f32(tableAt, table.length);
  tab.set(table);
  const gradAt = arena.take(table.byteLength);
  const grad = arena.f32(gradAt, table.length);
  const touched = new Int32Array(rows);
  let touchStamp = 0;
  const touchedList: number[] = [];

  /** A B × dims block of the memory: its address and a view. */
  const block = () => {
    const at = arena.take(B * rowBytes);
    return { at, v: arena.f32(at, B * dims) };
  };
  // Per batch scratch: pooled vectors (normalised in place), norms, and their gradients.
  const ua = block();
  const ub = block();
  const na = new Float32Array(B);
  const nb = new Float32Array(B);
  const ga = block();
  const gb = block();
  const S = new Float64Array(B * B);
  const G = new Float64Array(B * B);
  const scoresAt = arena.take(B * B * 4);
  const scoresOut = arena.f32(scoresAt, B * B);
  const rowSum = new RowSum(k, tableAt, rowBytes, arena.take(RowSum.BYTES));
  // The hard negatives' pooled vectors, their scores against the queries and those scores' gradient.
  const uh = hardNeg ? block() : ua;
  const nh = hardNeg ? new Float32Array(B) : na;
  const gh = hardNeg ? block() : ga;
  const H = hardNeg ? new Float64Array(B * B) : S;
  const GH = hardNeg ? new Float64Array(B * B) : G;

  const pool = (bags: Bag[], u: { at: number; v: Float32Array }, norms: Float32Array) => {
    u.v.fill(0);
    for (let i = 0; i < bags.length; i++) {
      const { ids, w } = bags[i];
      const o = u.at + i * rowBytes;
      for (let x = 0; x < ids.length; x++) rowSum.add(o, ids[x], w[x]);
      rowSum.flush(o);
      const n = Math.sqrt(k.dot(o, o, rowBytes)) || 1;
      norms[i] = n;
      const v = u.v;
      for (let d = i * dims, e = d + dims; d < e; d++) v[d] /= n; // u now holds z
    }
  };

  /** Back through the normalisation and the pooling: scatter-add w × dL/du into each word's row. */
  const scatter = (bags: Bag[], z: { at: number; v: Float32Array }, norms: Float32Array, g: { at: number; v: Float32Array }) => {
    for (let i = 0; i < bags.length; i++) {
      const o = i * dims;
      const zg = k.dot(z.at + o * 4, g.at + o * 4, rowBytes);
      const inv = 1 / norms[i];
      for (let d = o; d < o + dims; d++) g.v[d] = (g.v[d] - z.v[d] * zg) * inv;
      const { ids, w } = bags[i];
      for (let x = 0; x < ids.length; x++) {
        const id = ids[x];
        if (touched[id] !== touchStamp) {
          touched[id] = touchStamp;
          touchedList.push(id);
        }
        k.axpy(gradAt + id * rowBytes, g.at + o * 4, w[x], rowBytes);
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
    // Pairs: title → abstract, and sentence → title + the other sentences; with a hard negative each.
    const all: Pair[] = [];
    const match = hardNeg ? lexicalMatcher(sample, idf) : undefined;
    const whole = new Map<number, Bag>();
    const negative = (q: Int32Array, self: number): Bag | undefined => {
      if (!match) return undefined;
      let k = match(q, self);
      if (k < 0) k = (self + 1 + Math.floor(rand() * (sample.length - 1))) % sample.length;
      let b = whole.get(k);
      if (!b) whole.set(k, (b = bag([sample[k].title, ...sample[k].sentences], idf)));
      return b;
    };
    sample.forEach((d, di) => {
      if (d.title.length && d.sentences.length) all.push([bag([d.title], idf), bag(d.sentences, idf), negative(d.title, di)]);
      if (d.sentences.length < 2) return;
      const picks = new Set<number>();
      for (let k = 0; k < ictPerDoc && picks.size < d.sentences.length; k++) picks.add(Math.floor(rand() * d.sentences.length));
      for (const s of picks) {
        if (d.sentences[s].length < 3) continue;
        const rest = [d.title, ...d.sentences.filter((_, i) => i !== s)];
        all.push([bag([d.sentences[s]], idf), bag(rest, idf), negative(d.sentences[s], di)]);
      }
    });
    shuffle(all, rand);
    const batchList: Pair[][] = [];
    for (let i = 0; i < all.length; i += B) batchList.push(all.slice(i, i + B));
    const pairs = { length: batchList.reduce((n, b) => n + b.length, 0) };
    let lossSum = 0;
    let batches = 0;
    let bi = 0;
    for (const batch of batchList) {
      const progress = (epoch + bi++ / batchList.length) / epochs;
      const n = batch.length;
      if (n < 8) continue;
      const qa = batch.map((x) => x[0]);
      const qb = batch.map((x) => x[1]);
      const qh = hardNeg ? batch.map((x) => x[2]!) : [];
      pool(qa, ua, na);
      pool(qb, ub, nb);
      if (hardNeg) pool(qh, uh, nh);
      // Scores, then the symmetric InfoNCE gradient G = (softmax by row − I + softmax by column − I) / 2n;
      // with hard negatives a row's softmax also runs over H (queries × hard negatives), gradient GH.
      const scores = (u: { at: number }, out: Float64Array) => {
        k.dots(ua.at, n, u.at, n, rowBytes, scoresAt);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * B + j] = scoresOut[i * n + j] / tau;
      };
      scores(ub, S);
      if (hardNeg) scores(uh, H);
      let loss = 0;
      G.fill(0);
      if (hardNeg) GH.fill(0);
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, S[i * B + j], hardNeg ? H[i * B + j] : -Infinity);
        let z = 0;
        for (let j = 0; j < n; j++) z += Math.exp(S[i * B + j] - mx) + (hardNeg ? Math.exp(H[i * B + j] - mx) : 0);
        loss += mx + Math.log(z) - S[i * B + i];
        for (let j = 0; j < n; j++) G[i * B + j] += (Math.exp(S[i * B + j] - mx) / z - (i === j ? 1 : 0)) / (2 * n);
        if (hardNeg) for (let j = 0; j < n; j++) GH[i * B + j] = Math.exp(H[i * B + j] - mx) / z / (2 * n);
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
      // dL/dz_a = G z_b / τ (+ GH z_h / τ), dL/dz_b = Gᵀ z_a / τ, dL/dz_h = GHᵀ z_a / τ.
      ga.v.fill(0);
      gb.v.fill(0);
      const back = (M: Float64Array, u: { at: number }, g: { at: number }) => {
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            const x = M[i * B + j] / tau;
            if (x === 0) continue;
            k.axpy(ga.at + i * rowBytes, u.at + j * rowBytes, x, rowBytes);
            k.axpy(g.at + j * rowBytes, ua.at + i * rowBytes, x, rowBytes);
          }
      };
      back(G, ub, gb);
      if (hardNeg) {
        gh.v.fill(0);
        back(GH, uh, gh);
      }
      touchStamp++;
      touchedList.length = 0;
      scatter(qa, ua, na, ga);
      scatter(qb, ub, nb, gb);
      if (hardNeg) scatter(qh, uh, nh, gh);
      // Lazy Adam on the touched rows.
      step++;
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      const a = ((linear ? lr * (1 - 0.9 * progress) : lr) * Math.sqrt(c2)) / c1;
      for (const id of touchedList) {
        const r = id * dims;
        for (let d = r; d < r + dims; d++) {
          const g = grad[d];
          m[d] = b1 * m[d] + (1 - b1) * g;
          v[d] = b2 * v[d] + (1 - b2) * g * g;
          tab[d] -= (a * m[d]) / (Math.sqrt(v[d]) + eps);
          grad[d] = 0;
        }
      }
    }
    losses.push(batches ? lossSum / batches : 0);
    log(`contrastive epoch ${epoch + 1}/${epochs}: ${pairs.length} pairs, loss ${losses[losses.length - 1].toFixed(4)}`);
    opts.onEpoch?.({ epoch: epoch + 1, step, table: tab.slice(), m, v, losses: [...losses] });
  }
  table.set(tab);
  return losses;
}
