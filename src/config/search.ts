// Settings of the search area. Add entries here; src/config/index.ts merges every area into one table.
import { optional, parsers, setting } from './table.ts';

export const search = {
  searchEmbedder: setting({
    env: 'PAPERBOY_SEARCH_EMBEDDER',
    old: 'SEARCH_EMBEDDER',
    default: 'auto',
    parse: parsers.oneOf('auto', 'static', 'onnx', 'http', 'none'),
    doc: 'Embedder for semantic search: auto (the static model trained from the corpus, trained by the worker when missing), static (PAPERBOY_SEARCH_STATIC_MODEL), onnx (PAPERBOY_SEARCH_ONNX_MODEL), http (PAPERBOY_SEARCH_HTTP_URL), none (lexical only).',
  }),
  searchStaticModel: optional({
    env: 'PAPERBOY_SEARCH_STATIC_MODEL',
    old: 'SEARCH_STATIC_MODEL',
    parse: parsers.nonEmpty,
    doc: 'Folder of a Model2Vec static model (tokenizer.json, model.safetensors, config.json). Unset: the model the worker trains from the stored papers (or train-embedder), kept in the database for every process.',
  }),
  searchOnnxModel: optional({
    env: 'PAPERBOY_SEARCH_ONNX_MODEL',
    old: 'SEARCH_ONNX_MODEL',
    parse: parsers.nonEmpty,
    doc: 'Hugging Face model id or local folder for the onnx embedder (transformers.js).',
  }),
  searchQueryPrefix: setting({
    env: 'PAPERBOY_SEARCH_QUERY_PREFIX',
    old: 'SEARCH_QUERY_PREFIX',
    default: '',
    parse: parsers.string,
    doc: 'Text put before queries by the onnx and http embedders (e.g. "query: ").',
  }),
  searchDocumentPrefix: setting({
    env: 'PAPERBOY_SEARCH_DOCUMENT_PREFIX',
    old: 'SEARCH_DOCUMENT_PREFIX',
    default: '',
    parse: parsers.string,
    doc: 'Text put before documents by the onnx and http embedders (e.g. "passage: ").',
  }),
  searchHttpUrl: optional({
    env: 'PAPERBOY_SEARCH_HTTP_URL',
    old: 'SEARCH_HTTP_URL',
    parse: parsers.url,
    doc: 'Base URL of an OpenAI-compatible embeddings server (POST <url>/v1/embeddings), e.g. TEI, vLLM or Ollama.',
  }),
  searchHttpModel: setting({
    env: 'PAPERBOY_SEARCH_HTTP_MODEL',
    old: 'SEARCH_HTTP_MODEL',
    default: 'default',
    parse: parsers.nonEmpty,
    doc: 'Model name sent to the embeddings server.',
  }),
  searchHttpApiKey: optional({
    env: 'PAPERBOY_SEARCH_HTTP_API_KEY',
    old: 'SEARCH_HTTP_API_KEY',
    parse: parsers.nonEmpty,
    doc: 'Bearer token for the embeddings server.',
    secret: true,
  }),
  searchHttpTimeoutMs: setting({
    env: 'PAPERBOY_SEARCH_HTTP_TIMEOUT_MS',
    old: 'SEARCH_HTTP_TIMEOUT_MS',
    default: '1000',
    parse: parsers.int(50, 600_000),
    doc: 'Timeout of one query embedding; on timeout search falls back to lexical and says so.',
  }),
  searchVectorWaitMs: setting({
    env: 'PAPERBOY_SEARCH_VECTOR_WAIT_MS',
    default: '1000',
    parse: parsers.int(50, 600_000),
    doc: 'How long a search waits for its query vector and nearest papers (a web process asks its vector thread); after that it answers by words alone and says so.',
  }),
  searchVectorWeight: setting({
    env: 'PAPERBOY_SEARCH_VECTOR_WEIGHT',
    old: 'SEARCH_VECTOR_WEIGHT',
    default: '2',
    parse: parsers.number(0, 10),
    doc: 'Weight of the cosine score added to the max-normalised lexical score (tuned on SciFact training queries with the default embedder: 1.0/1.4/1.6/1.8/2.0 gave nDCG@10 0.723/0.725/0.725/0.725/0.726).',
  }),
  searchRetrainFactor: setting({
    env: 'PAPERBOY_SEARCH_RETRAIN_FACTOR',
    old: 'SEARCH_RETRAIN_FACTOR',
    default: '2',
    parse: parsers.number(1.1, 100),
    doc: 'The worker retrains the default static embedder when the corpus has grown by this factor since the last training.',
  }),
  searchSyncMs: setting({
    env: 'PAPERBOY_SEARCH_SYNC_MS',
    old: 'SEARCH_SYNC_MS',
    default: '3000',
    parse: parsers.int(200, 600_000),
    doc: 'How often each process catches its vector index replica up with the database.',
  }),
};
