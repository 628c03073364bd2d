// Lexical features for the recommender and its baselines. Both follow arxiv-sanity-lite's
// TfidfVectorizer: accents stripped, lower case, tokens /\b[a-zA-Z_][a-zA-Z0-9_]+\b/, English stop
// words dropped, then unigrams and bigrams with sublinear tf (1 + ln tf) and l2 norm.
//  - TfidfVocab: the exact baseline (a fitted vocabulary: min_df 5, max_df 10 %, 20,000 features by
//    corpus frequency, smoothed idf) — needs the whole corpus, so it serves the offline evaluation.
//  - hashedFeatures: what the live recommender uses — the same n-grams hashed into 2^18 columns (no
//    fitted vocabulary, so the worker that trains and the web process that scores agree without
//    sharing state, and a new paper needs nothing refitted).

/** A row of a sparse matrix: column indices (ascending, distinct) and values. */
export interface SparseRow {
  idx: Int32Array;
  val: Float32Array;
}

// scikit-learn's ENGLISH_STOP_WORDS (the list arxiv-sanity-lite's vectorizer uses).
export const ENGLISH_STOP_WORDS = new Set(
  (
    'a about above across after afterwards again against all almost alone along already also although always am among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at ' +
    'back be became because become becomes becoming been before beforehand behind being below beside besides between beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do done down due during ' +
    'each eg eight either eleven else elsewhere empty enough etc even ever every everyone everything everywhere except few fifteen fifty fill find fire first five for former formerly forty found four from front full further get give go ' +
    'had has hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly least less ltd made many may me meanwhile ' +
    'might mill mine more moreover most mostly move much must my myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours ' +
    'ourselves out over own part per perhaps please put rather re same see seem seemed seeming seems serious several she should show side since sincere six sixty so some somehow someone something sometime sometimes somewhere still such ' +
    'system take ten than that the their them themselves then thence there thereafter thereby therefore therein thereupon these they thick thin third this those though three through throughout thru thus to together too top toward towards ' +
    'twelve twenty two un under until up upon us very via was we well were what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why will ' +
    'with within without would yet you your yours yourself yourselves'
  ).split(' '),
);

/** Longest text read per paper (title plus abstract), before any regex. */
export const MAX_TEXT = 4000;

/** Tokens and bigrams of a text, as sanity-lite's analyzer makes them. */
export function ngrams(text: string): string[] {
  const t = text
    .slice(0, MAX_TEXT)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const toks = (t.match(/\b[a-z_][a-z0-9_]+\b/g) ?? []).filter((w) => !ENGLISH_STOP_WORDS.has(w));
  const out = toks.slice();
  for (let i = 0; i + 1 < toks.length; i++) out.push(`${toks[i]} ${toks[i + 1]}`);
  return out;
}

/** The text a paper's features come from: title and abstract only (never authors). */
export function paperText(title: string, abstract: string): string {
  return `${title} | ${abstract}`;
}

function counts(grams: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const g of grams) m.set(g, (m.get(g) ?? 0) + 1);
  return m;
}

function toRow(entries: [number, number][]): SparseRow {
  entries.sort((a, b) => a[0] - b[0]);
  let n = 0;
  for (const [, v] of entries) n += v * v;
  const norm = Math.sqrt(n) || 1;
  return { idx: Int32Array.from(entries, (e) => e[0]), val: Float32Array.from(entries, (e) => e[1] / norm) };
}

export class TfidfVocab {
  readonly index = new Map<string, number>();
  idf = new Float32Array(0);

  /** Fits the vocabulary on a corpus (scikit-learn's rules: df bounds, then the most frequent terms). */
  static fit(texts: string[], opts: { minDf?: number; maxDf?: number; maxFeatures?: number } = {}): TfidfVocab {
    const minDf = opts.minDf ?? 5;
    const maxDf = opts.maxDf ?? 0.1;
    const maxFeatures = opts.maxFeatures ?? 20_000;
    const df = new Map<string, number>();
    const tf = new Map<string, number>();
    for (const t of texts) {
      for (const [g, c] of counts(ngrams(t))) {
        df.set(g, (df.get(g) ?? 0) + 1);
        tf.set(g, (tf.get(g) ?? 0) + c);
      }
    }
    const n = texts.length;
    const maxDocs = maxDf <= 1 ? maxDf * n : maxDf;
    const kept = [...df.entries()]
      .filter(([, d]) => d >= minDf && d <= maxDocs)
      .map(([g]) => g)
      .sort((a, b) => tf.get(b)! - tf.get(a)! || (a < b ? -1 : 1))
      .slice(0, maxFeatures)
      .sort();
    const v = new TfidfVocab();
    v.idf = new Float32Array(kept.length);
    kept.forEach((g, i) => {
      v.index.set(g, i);
      v.idf[i] = Math.log((1 + n) / (1 + df.get(g)!)) + 1;
    });
    return v;
  }

  get size(): number {
    return this.idf.length;
  }

  transform(text: string): SparseRow {
    const entries: [number, number][] = [];
    for (const [g, c] of counts(ngrams(text))) {
      const i = this.index.get(g);
      if (i !== undefined) entries.push([i, (1 + Math.log(c)) * this.idf[i]]);
    }
    return toRow(entries);
  }
}

export const HASH_BITS = 18;
export const HASH_SIZE = 1 << HASH_BITS;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hashed 1–2-gram features with sublinear tf, l2-normalised, in [0, HASH_SIZE). */
export function hashedFeatures(text: string): SparseRow {
  const m = new Map<number, number>();
  for (const [g, c] of counts(ngrams(text))) {
    const h = fnv1a(g) & (HASH_SIZE - 1);
    m.set(h, (m.get(h) ?? 0) + 1 + Math.log(c));
  }
  return toRow([...m.entries()]);
}

/**
 * Inverse document frequencies of hashed n-grams, fitted on a sample of the corpus: smoothed idf as
 * scikit-learn computes it. N-grams the sample never saw twice get the idf of a df of 1. No max_df
 * cut by default (sanity-lite drops n-grams in more than 10 % of papers): on a one-field instance
 * that drops the field's own words — "robot" is in more than 10 % of the sample's papers.
 */
export interface Idf {
  weights: Map<number, number>;
  unseen: number;
  docs: number;
}

export function fitIdf(rows: SparseRow[], maxDf = 1): Idf {
  const df = new Map<number, number>();
  for (const r of rows) for (const c of r.idx) df.set(c, (df.get(c) ?? 0) + 1);
  const n = rows.length;
  const weights = new Map<number, number>();
  for (const [c, d] of df) if (d >= 2) weights.set(c, d > maxDf * n ? 0 : Math.log((1 + n) / (1 + d)) + 1);
  return { weights, unseen: Math.log((1 + n) / 2) + 1, docs: n };
}

export function applyIdf(r: SparseRow, idf: Idf | null | undefined): SparseRow {
  if (!idf) return r;
  const val = new Float32Array(r.val.length);
  let n = 0;
  for (let p = 0; p < r.idx.length; p++) {
    val[p] = r.val[p] * (idf.weights.get(r.idx[p]) ?? idf.unseen);
    n += val[p] * val[p];
  }
  n = Math.sqrt(n) || 1;
  for (let p = 0; p < val.length; p++) val[p] /= n;
  return { idx: r.idx, val };
}

/** Idf as text for the key-value table: docs, then (column, weight) pairs, base64 of little-endian words. */
export function encodeIdf(idf: Idf): string {
  const buf = Buffer.alloc(4 + 8 * idf.weights.size);
  buf.writeUInt32LE(idf.docs, 0);
  let o = 4;
  for (const [c, w] of idf.weights) {
    buf.writeUInt32LE(c, o);
    buf.writeFloatLE(w, o + 4);
    o += 8;
  }
  return buf.toString('base64');
}

export function decodeIdf(s: string): Idf {
  const buf = Buffer.from(s, 'base64');
  const docs = buf.readUInt32LE(0);
  const weights = new Map<number, number>();
  for (let o = 4; o + 8 <= buf.length; o += 8) weights.set(buf.readUInt32LE(o), buf.readFloatLE(o + 4));
  return { weights, unseen: Math.log((1 + docs) / 2) + 1, docs };
}
