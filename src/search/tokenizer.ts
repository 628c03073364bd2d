// The subset of Hugging Face's tokenizer.json that static embedding models use: the common
// normalizers and pre-tokenizers, and the WordPiece and WordLevel models.

type Json = Record<string, any>;

function normalizer(spec: Json | null | undefined): (s: string) => string {
  if (!spec) return (s) => s;
  switch (spec.type) {
    case 'Sequence': {
      const steps = (spec.normalizers as Json[]).map(normalizer);
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'NFD':
    case 'NFKD':
    case 'NFC':
    case 'NFKC':
      return (s) => s.normalize(spec.type);
    case 'StripAccents':
      return (s) => s.normalize('NFD').replace(/\p{Mn}/gu, '');
    case 'Strip':
      return (s) => s.trim();
    case 'BertNormalizer': {
      const lower = spec.lowercase !== false;
      const strip = spec.strip_accents ?? lower;
      return (s) => {
        let t = spec.clean_text !== false ? s.replace(/[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? ' ' : '')) : s;
        if (spec.handle_chinese_chars !== false) t = t.replace(/[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]/g, (c) => ` ${c} `);
        if (lower) t = t.toLowerCase();
        if (strip) t = t.normalize('NFD').replace(/\p{Mn}/gu, '');
        return t;
      };
    }
    default:
      throw new Error(`tokenizer.json: unsupported normalizer ${spec.type}`);
  }
}

function preTokenizer(spec: Json | null | undefined): (s: string) => string[] {
  if (!spec) return (s) => [s];
  switch (spec.type) {
    case 'Sequence': {
      const steps = (spec.pretokenizers as Json[]).map(preTokenizer);
      return (s) => steps.reduce<string[]>((parts, f) => parts.flatMap(f), [s]);
    }
    case 'WhitespaceSplit':
      return (s) => s.split(/\s+/).filter(Boolean);
    case 'Whitespace':
      return (s) => s.match(/[\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s]+/gu) ?? [];
    case 'BertPreTokenizer':
      // Whitespace split, and every punctuation character on its own.
      return (s) => s.split(/\s+/).flatMap((w) => w.split(/([\p{P}\p{S}])/u).filter(Boolean));
    case 'Punctuation':
      return (s) => s.split(/([\p{P}\p{S}])/u).filter(Boolean);
    case 'Digits':
      return spec.individual_digits ? (s) => s.split(/(\d)/).filter(Boolean) : (s) => s.split(/(\d+)/).filter(Boolean);
    default:
      throw new Error(`tokenizer.json: unsupported pre-tokenizer ${spec.type}`);
  }
}

export class Tokenizer {
  readonly vocab: Map<string, number>;
  readonly unkId: number | undefined;
  private readonly normalize: (s: string) => string;
  private readonly preTokenize: (s: string) => string[];
  private readonly model: Json;
  /** Ids of special tokens ([CLS], [PAD]…), never pooled. */
  readonly specialIds: Set<number>;

  constructor(readonly spec: Json) {
    this.model = spec.model;
    if (this.model.type !== 'WordPiece' && this.model.type !== 'WordLevel') {
      throw new Error(`tokenizer.json: unsupported model ${this.model.type} (WordPiece and WordLevel are supported)`);
    }
    this.vocab = new Map(Object.entries(this.model.vocab as Record<string, number>));
    this.unkId = this.model.unk_token ? this.vocab.get(this.model.unk_token) : undefined;
    this.normalize = normalizer(spec.normalizer);
    this.preTokenize = preTokenizer(spec.pre_tokenizer);
    this.specialIds = new Set(((spec.added_tokens ?? []) as Json[]).filter((t) => t.special).map((t) => t.id as number));
  }

  /** The words the model looks up, before the vocabulary (normalised and pre-tokenized). */
  words(text: string): string[] {
    return this.preTokenize(this.normalize(text));
  }

  /** Token ids of `text` (no special tokens added). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const word of this.preTokenize(this.normalize(text))) {
      if (this.model.type === 'WordLevel') {
        const id = this.vocab.get(word) ?? this.unkId;
        if (id !== undefined) ids.push(id);
      } else this.wordPiece(word, ids);
    }
    return ids;
  }

  private wordPiece(word: string, out: number[]): void {
    const max = this.model.max_input_chars_per_word ?? 100;
    const prefix = this.model.continuing_subword_prefix ?? '##';
    if ([...word].length > max) {
      if (this.unkId !== undefined) out.push(this.unkId);
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? prefix : '') + word.slice(start, end);
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        if (this.unkId !== undefined) out.push(this.unkId);
        return;
      }
      pieces.push(found);
      start = end;
    }
    out.push(...pieces);
  }
}

/** A tokenizer.json for a whole-word vocabulary (what Paperboy's own static model uses). */
export function wordLevelTokenizerJson(vocab: string[], unk = '[UNK]'): Json {
  const v: Record<string, number> = { [unk]: 0 };
  vocab.forEach((w, i) => (v[w] = i + 1));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 0, content: unk, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: v, unk_token: unk },
  };
}
