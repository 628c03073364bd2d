// Row types of the HF-parity and agent tables (migration 0017): rendered first-page thumbnails,
// GitHub repositories and their daily stars, AI summaries. src/storage/schema.ts merges them.

/** A paper's first page rendered small, or why there is none yet. */
export interface PaperThumbnailsTable {
  paper_id: number;
  /** ok | missing (no PDF reachable) | failed (the renderer could not read it) */
  status: string;
  /** PNG bytes when ok. */
  image: Buffer | Uint8Array | null;
  /** sha256 of the image, first 16 hex digits: part of its immutable URL. */
  hash: string | null;
  width: number | null;
  height: number | null;
  attempts: number;
  last_error: string | null;
  /** When to try again (missing / failed), ISO time. */
  retry_at: string | null;
  updated_at: string;
}

/** A GitHub repository some paper links, as the GitHub sync last saw it. */
export interface GithubReposTable {
  /** "owner/repo" as papers link it, lower-cased. */
  full_name: string;
  /** The name GitHub answered with (after a rename), when it answered. */
  canonical_name: string | null;
  stars: number | null;
  /** ok | not_found | failed */
  status: string;
  etag: string | null;
  checked_at: string | null;
  last_error: string | null;
  updated_at: string;
}

/** One star count per repository and day: the history trending's stars term reads. */
export interface GithubRepoStarsTable {
  full_name: string;
  day: string;
  stars: number;
}

/** The AI summary and keywords of a paper, labelled with the model that wrote them. */
export interface PaperAiTable {
  paper_id: number;
  /** ok | failed */
  status: string;
  summary: string | null;
  /** JSON array of 5–8 keywords. */
  keywords_json: string | null;
  model: string | null;
  attempts: number;
  last_error: string | null;
  retry_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AgentTables {
  paper_thumbnails: PaperThumbnailsTable;
  github_repos: GithubReposTable;
  github_repo_stars: GithubRepoStarsTable;
  paper_ai: PaperAiTable;
}
