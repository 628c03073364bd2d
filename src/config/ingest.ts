// Settings of the ingest area: where the sources live (so tests can point them at local servers),
// how politely we fetch, and when the scheduled syncs run.
import { optional, parsers, setting } from './table.ts';

const hhmm = (raw: string): string => {
  const m = raw.trim().match(/^(\d{1,2}):(\d{2})$/);
  if (!m || +m[1] > 23 || +m[2] > 59) throw new Error(`must be a time HH:MM, got "${raw}"`);
  return `${m[1].padStart(2, '0')}:${m[2]}`;
};

export const ingest = {
  arxivOaiUrl: setting({
    env: 'PAPERBOY_ARXIV_OAI_URL',
    default: 'https://oaipmh.arxiv.org/oai',
    parse: parsers.url,
    doc: 'arXiv OAI-PMH endpoint (ListRecords harvests).',
  }),
  arxivApiUrl: setting({
    env: 'PAPERBOY_ARXIV_API_URL',
    default: 'https://export.arxiv.org/api/query',
    parse: parsers.url,
    doc: 'arXiv Atom query API endpoint (id_list lookups, search_query).',
  }),
  arxivRssUrl: setting({
    env: 'PAPERBOY_ARXIV_RSS_URL',
    default: 'https://rss.arxiv.org/rss',
    parse: parsers.url,
    doc: 'arXiv RSS base; a feed is <base>/cs.LG+cs.CL.',
  }),
  hfApiUrl: setting({
    env: 'PAPERBOY_HF_URL',
    default: 'https://huggingface.co',
    parse: parsers.url,
    doc: 'Hugging Face base URL for /api/daily_papers.',
  }),
  contactEmail: optional({
    env: 'PAPERBOY_CONTACT_EMAIL',
    parse: parsers.nonEmpty,
    doc: "Operator's contact, sent in the User-Agent so arXiv and HF can reach you.",
  }),
  arxivGapMs: setting({
    env: 'PAPERBOY_ARXIV_GAP_MS',
    default: '3000',
    parse: parsers.int(0, 600_000),
    doc: 'Minimum gap between two requests to arXiv (API, OAI-PMH and RSS share one queue).',
  }),
  hfGapMs: setting({
    env: 'PAPERBOY_HF_GAP_MS',
    default: '1000',
    parse: parsers.int(0, 600_000),
    doc: 'Minimum gap between two requests to Hugging Face.',
  }),
  httpTimeoutMs: setting({
    env: 'PAPERBOY_HTTP_TIMEOUT_MS',
    default: '60000',
    parse: parsers.int(100, 3_600_000),
    doc: 'Timeout of one source request (headers and body).',
  }),
  httpRetries: setting({
    env: 'PAPERBOY_HTTP_RETRIES',
    default: '5',
    parse: parsers.int(0, 20),
    doc: 'Retries of a source request on 429, 5xx, network errors and truncated bodies.',
  }),
  httpBackoffMs: setting({
    env: 'PAPERBOY_HTTP_BACKOFF_MS',
    default: '5000',
    parse: parsers.int(1, 3_600_000),
    doc: 'First retry delay; doubles per attempt, with jitter.',
  }),
  httpMaxWaitMs: setting({
    env: 'PAPERBOY_HTTP_MAX_WAIT_MS',
    default: '600000',
    parse: parsers.int(0, 86_400_000),
    doc: 'Longest Retry-After or backoff wait honoured before giving up on a request.',
  }),
  syncCategories: setting({
    env: 'PAPERBOY_SYNC_CATEGORIES',
    default: 'cs.CL,cs.LG,cs.AI,cs.CV',
    parse: parsers.list,
    doc: 'arXiv categories the scheduled RSS sync and OAI catch-up follow.',
  }),
  syncEnabled: setting({
    env: 'PAPERBOY_SYNC',
    default: 'true',
    parse: parsers.bool,
    doc: 'Run the scheduled arXiv and Hugging Face syncs in the worker.',
  }),
  rssSyncTime: setting({
    env: 'PAPERBOY_RSS_SYNC_TIME',
    default: '06:00',
    parse: hhmm,
    doc: 'US Eastern time the RSS polls after an announcement stop (they start at 20:00 Eastern, Sunday–Thursday, every PAPERBOY_RSS_POLL_MINUTES).',
  }),
  hfSyncTime: setting({
    env: 'PAPERBOY_HF_SYNC_TIME',
    default: '01:00',
    parse: hhmm,
    doc: "US Eastern time yesterday's Hugging Face list is synced once more for its final counts (today's is polled every PAPERBOY_HF_POLL_MINUTES).",
  }),
  oaiCatchupDays: setting({
    env: 'PAPERBOY_OAI_CATCHUP_DAYS',
    default: '7',
    parse: parsers.int(1, 3650),
    doc: 'When no OAI harvest is recorded, the catch-up harvests this many days back.',
  }),
};
