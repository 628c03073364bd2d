// Row types of every table, as Kysely sees them. Times are ISO-8601 UTC strings and
// booleans are 0/1 integers on both SQLite and PostgreSQL, so one code path serves both.
import type { Generated } from 'kysely';
import type { IngestTables } from './schema-ingest.ts';
import type { SearchTables } from './schema-search.ts';
import type { CommunityTables } from './schema-community.ts';
import type { DigestTables } from './schema-digest.ts';
import type { OpsTables } from './schema-ops.ts';
import type { AgentTables } from './schema-agents.ts';
import type { RecsTables } from './schema-recs.ts';

export interface PapersTable {
  id: Generated<number>;
  arxiv_id: string;
  version: number;
  title: string;
  abstract: string;
  /** JSON array of author names, in order (the display copy; paper_authors is the index). */
  authors_json: string;
  /** JSON array of categories. */
  categories_json: string;
  primary_category: string | null;
  published_at: string | null;
  source_updated_at: string | null;
  comment: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  code_url: string | null;
  project_url: string | null;
  thumbnail_url: string | null;
  /** Hash of this instance's rendered first page (paper_thumbnails); set by the thumbnail job only. */
  thumbnail_key: string | null;
  github_stars: number | null;
  /** JSON array of {version, date}. */
  versions_json: string;
  /** Upvotes cast on this instance (the counter the votes table keeps). */
  upvotes: Generated<number>;
  /** Comments on this instance, not deleted. */
  num_comments: Generated<number>;
  /** Upvotes and comments the listing source (Hugging Face) reported; copied from daily_entries (0015). */
  source_upvotes: Generated<number>;
  source_comments: Generated<number>;
  source: string;
  created_at: string;
  modified_at: string;
}

export interface AuthorsTable {
  id: Generated<number>;
  name: string;
  name_key: string;
}

export interface PaperAuthorsTable {
  paper_id: number;
  position: number;
  author_id: number;
}

export interface PaperCategoriesTable {
  paper_id: number;
  category: string;
}

export interface DailyEntriesTable {
  id: Generated<number>;
  paper_id: number;
  day: string;
  source: string;
  submitted_at: string;
  submitted_by_user_id: number | null;
  /** JSON {name, fullname, avatarUrl} of the submitter as the source named them. */
  submitter_json: string | null;
  source_upvotes: Generated<number>;
  source_comments: Generated<number>;
  media_json: string | null;
  thumbnail_url: string | null;
  comment: string | null;
  created_at: string;
}

export interface IngestLogTable {
  id: Generated<number>;
  source: string;
  target: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  errors: number;
  /** JSON: first error messages and source-specific details. */
  detail_json: string | null;
}

export interface JobsTable {
  id: Generated<number>;
  name: string;
  payload_json: string;
  status: string; // queued | running | done | dead | cancelled
  priority: number;
  run_at: string;
  attempts: number;
  max_attempts: number;
  lease_until: string | null;
  locked_by: string | null;
  last_error: string | null;
  /** Jobs with the same key are enqueued once (scheduled runs, de-duplicated work). */
  unique_key: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface KvTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface Database extends IngestTables, SearchTables, CommunityTables, DigestTables, OpsTables, AgentTables, RecsTables {
  papers: PapersTable;
  authors: AuthorsTable;
  paper_authors: PaperAuthorsTable;
  paper_categories: PaperCategoriesTable;
  daily_entries: DailyEntriesTable;
  ingest_log: IngestLogTable;
  jobs: JobsTable;
  kv: KvTable;
}
