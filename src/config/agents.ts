// Settings of HF parity and the agent surface (issue 22): thumbnails, the GitHub sync, AI summaries
// and the MCP server. src/config/index.ts merges every area.
import { optional, parsers, setting } from './table.ts';

export const agents = {
  thumbnails: setting({
    env: 'PAPERBOY_THUMBNAILS',
    default: 'true',
    parse: parsers.bool,
    doc: "Render the first page of each listed paper's PDF to a small image (needs pdftoppm from poppler-utils; without it cards keep their coloured tile). Off with PAPERBOY_SYNC=false too.",
  }),
  arxivPdfUrl: setting({
    env: 'PAPERBOY_ARXIV_PDF_URL',
    default: 'https://arxiv.org/pdf',
    parse: parsers.url,
    doc: 'Where PDFs are fetched for thumbnails: <url>/<arXiv id>. Requests share the arXiv lane (one at a time, PAPERBOY_ARXIV_GAP_MS apart).',
  }),
  thumbnailWidth: setting({
    env: 'PAPERBOY_THUMBNAIL_WIDTH',
    default: '240',
    parse: parsers.int(60, 1200),
    doc: 'Width in pixels of rendered thumbnails (height follows the page).',
  }),
  thumbnailMaxPdfBytes: setting({
    env: 'PAPERBOY_THUMBNAIL_MAX_PDF_BYTES',
    default: '30000000',
    parse: parsers.int(10_000, 500_000_000),
    doc: 'Largest PDF downloaded for a thumbnail; bigger ones keep the tile.',
  }),
  thumbnailsPerRun: setting({
    env: 'PAPERBOY_THUMBNAILS_PER_RUN',
    default: '20',
    parse: parsers.int(1, 10_000),
    doc: "Thumbnails rendered per job run (every 10 minutes); at arXiv's 3-second gap, 20 take about a minute.",
  }),
  githubSync: setting({
    env: 'PAPERBOY_GITHUB_SYNC',
    default: 'true',
    parse: parsers.bool,
    doc: 'Record the GitHub stars of linked repositories once a day (GET /repos/{owner}/{repo}, conditional with ETag). Off with PAPERBOY_SYNC=false too.',
  }),
  githubApiUrl: setting({
    env: 'PAPERBOY_GITHUB_API_URL',
    default: 'https://api.github.com',
    parse: parsers.url,
    doc: 'GitHub REST API base URL (GitHub Enterprise or a test server).',
  }),
  githubToken: optional({
    env: 'PAPERBOY_GITHUB_TOKEN',
    parse: parsers.nonEmpty,
    secret: true,
    doc: 'Optional GitHub token: 5,000 requests an hour instead of 60. Read-only public access is enough.',
  }),
  githubGapMs: setting({
    env: 'PAPERBOY_GITHUB_GAP_MS',
    default: '1000',
    parse: parsers.int(0, 600_000),
    doc: 'Pause between GitHub API requests (one at a time).',
  }),
  githubReposPerRun: setting({
    env: 'PAPERBOY_GITHUB_REPOS_PER_RUN',
    default: '50',
    parse: parsers.int(1, 100_000),
    doc: 'Repositories checked per sync run (hourly); each repository is checked at most once a day.',
  }),
  aiUrl: optional({
    env: 'PAPERBOY_AI_URL',
    parse: parsers.url,
    doc: 'OpenAI-compatible chat endpoint base URL (…/v1) for AI summaries and keywords of newly listed papers. Unset: none are made or shown.',
  }),
  aiModel: setting({
    env: 'PAPERBOY_AI_MODEL',
    default: 'gpt-4o-mini',
    parse: parsers.nonEmpty,
    doc: 'Model name sent to the chat endpoint; summaries are labelled with it.',
  }),
  aiKey: optional({
    env: 'PAPERBOY_AI_KEY',
    parse: parsers.nonEmpty,
    secret: true,
    doc: 'Bearer key for the chat endpoint, when it needs one.',
  }),
  aiTimeoutMs: setting({
    env: 'PAPERBOY_AI_TIMEOUT_MS',
    default: '60000',
    parse: parsers.int(100, 600_000),
    doc: 'How long one chat request may take before it is abandoned and retried later.',
  }),
  aiPerRun: setting({
    env: 'PAPERBOY_AI_PER_RUN',
    default: '20',
    parse: parsers.int(1, 10_000),
    doc: 'Papers summarised per job run (every 10 minutes), newest listings first.',
  }),
  mcpMaxResults: setting({
    env: 'PAPERBOY_MCP_MAX_RESULTS',
    default: '50',
    parse: parsers.int(1, 200),
    doc: 'Most papers one MCP tool call returns.',
  }),
};
