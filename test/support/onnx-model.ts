// A tiny BERT-layout feature-extraction model that transformers.js loads from a local folder,
// built by the test (there is no Hugging Face hub here): config.json, a WordPiece tokenizer.json
// + tokenizer_config.json whose vocabulary is the words of some texts, and onnx/model.onnx, an
// ONNX graph encoded by hand below (protobuf wire format, no dependency):
//
//   last_hidden_state[b, s, :] = word_embeddings[input_ids[b, s]] + token_type_embeddings[token_type_ids[b, s]]
//
// (two Gathers and an Add; attention_mask is declared as an input, as BERT exports do, but the graph
// does not use it, so padded positions get non-zero hidden states like a real encoder's, and only
// the pipeline's mask-aware mean pooling keeps them out). Rows are seeded pseudo-random vectors
// scaled by the word's idf in the texts, so that mean pooling gives a usable bag-of-words embedding.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface TinyOnnxModel {
  dir: string;
  dims: number;
  /** Token → id, as in tokenizer.json. */
  vocab: Map<string, number>;
  /** vocab × dims, row-major: the word embedding initializer of the graph. */
  wordEmbeddings: Float32Array;
  /** 2 × dims: the token-type embedding initializer. */
  typeEmbeddings: Float32Array;
}

/** BERT's basic tokenisation (lower case, accents stripped, split on spaces and punctuation). */
export function bertWords(text: string): string[] {
  const t = text.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
  return t.match(/[^\s\p{P}!-/:-@[-`{-~]+|[\p{P}!-/:-@[-`{-~]/gu) ?? [];
}

/** Writes the model folder; the vocabulary is the specials, `extraWords`, then the texts' words by frequency. */
export function writeTinyOnnxModel(
  dir: string,
  texts: string[],
  opts: { dims?: number; maxVocab?: number; extraWords?: string[]; seed?: number } = {},
): TinyOnnxModel {
  const dims = opts.dims ?? 32;
  const df = new Map<string, number>();
  const tf = new Map<string, number>();
  for (const text of texts) {
    const words = bertWords(text);
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const w of new Set(words)) df.set(w, (df.get(w) ?? 0) + 1);
  }
  const tokens: string[] = [...SPECIAL];
  const seen = new Set<string>(tokens);
  const add = (w: string) => {
    if (seen.has(w)) return;
    tokens.push(w);
    seen.add(w);
  };
  for (const w of opts.extraWords ?? []) for (const piece of bertWords(w)) add(piece);
  const byFreq = [...tf.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  for (const w of byFreq.slice(0, Math.max(0, (opts.maxVocab ?? 5000) - tokens.length))) add(w);
  const vocab = new Map(tokens.map((t, i) => [t, i]));

  let s = opts.seed ?? 12345;
  const rnd = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const n = texts.length;
  const wordEmbeddings = new Float32Array(tokens.length * dims);
  tokens.forEach((t, i) => {
    const weight = df.has(t) ? Math.log((n + 1) / (df.get(t)! + 0.5)) : 1;
    for (let d = 0; d < dims; d++) wordEmbeddings[i * dims + d] = (rnd() * 2 - 1) * weight;
  });
  const typeEmbeddings = Float32Array.from({ length: 2 * dims }, () => (rnd() * 2 - 1) * 0.1);

  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify(
      {
        model_type: 'bert',
        architectures: ['BertModel'],
        hidden_size: dims,
        vocab_size: tokens.length,
        type_vocab_size: 2,
        num_hidden_layers: 0,
        num_attention_heads: 1,
        intermediate_size: dims,
        max_position_embeddings: 512,
        pad_token_id: 0,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(tokens)));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[MASK]',
      clean_up_tokenization_spaces: true,
    }),
  );
  writeFileSync(join(dir, 'onnx', 'model.onnx'), onnxModel(tokens.length, dims, wordEmbeddings, typeEmbeddings));
  return { dir, dims, vocab, wordEmbeddings, typeEmbeddings };
}

function tokenizerJson(tokens: string[]): Record<string, unknown> {
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [tokens.indexOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [tokens.indexOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(tokens.map((t, i) => [t, i])) },
  };
}

// --- ONNX protobuf encoding (onnx.proto field numbers; varint and length-delimited fields only) ---

const FLOAT = 1;
const INT64 = 7;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const int = (field: number, n: number) => Buffer.from([...varint(field << 3), ...varint(n)]);
const bytes = (field: number, b: Uint8Array) => Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(b.length)]), b]);
const str = (field: number, s: string) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field: number, ...parts: Buffer[]) => bytes(field, Buffer.concat(parts));

/** TensorProto (an initializer): dims 1, data_type 2, name 8, raw_data 9 (little-endian floats). */
function tensor(field: number, name: string, shape: number[], data: Float32Array): Buffer {
  const raw = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return msg(field, ...shape.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw));
}

/** ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2. */
function valueInfo(field: number, name: string, elemType: number, shape: (number | string)[]): Buffer {
  const dims = shape.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...dims))));
}

/** NodeProto: input 1, output 2, name 3, op_type 4. */
function node(name: string, op: string, inputs: string[], outputs: string[]): Buffer {
  return msg(1, ...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op));
}

/** ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (domain 1, version 2). GraphProto: node 1, name 2, initializer 5, input 11, output 12. */
function onnxModel(vocabSize: number, dims: number, words: Float32Array, types: Float32Array): Buffer {
  const seq = ['batch_size', 'sequence_length'];
  const graph = Buffer.concat([
    node('word_lookup', 'Gather', ['word_embeddings', 'input_ids'], ['words']),
    node('type_lookup', 'Gather', ['token_type_embeddings', 'token_type_ids'], ['types']),
    node('sum', 'Add', ['words', 'types'], ['last_hidden_state']),
    str(2, 'paperboy-tiny-bert'),
    tensor(5, 'word_embeddings', [vocabSize, dims], words),
    tensor(5, 'token_type_embeddings', [2, dims], types),
    valueInfo(11, 'input_ids', INT64, seq),
    valueInfo(11, 'attention_mask', INT64, seq),
    valueInfo(11, 'token_type_ids', INT64, seq),
    valueInfo(12, 'last_hidden_state', FLOAT, [...seq, dims]),
  ]);
  return Buffer.concat([int(1, 8), str(2, 'paperboy-test'), msg(7, graph), msg(8, str(1, ''), int(2, 17))]);
}
