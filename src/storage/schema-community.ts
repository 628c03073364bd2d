// Row types of the community area's tables. src/storage/schema.ts merges them into Database.
// Times are ISO-8601 text, booleans 0/1. Tokens of any kind are stored only as sha256 hex.
import type { Generated } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  /** Lower-cased address. */
  email: string;
  /** Chosen at first sign-in; null until then. */
  username: string | null;
  display_name: string | null;
  role: string; // user | curator | admin
  created_at: string;
  last_seen_at: string | null;
}

export interface MagicLinksTable {
  id: Generated<number>;
  token_hash: string;
  email: string;
  next_path: string | null;
  /** A pending action ("upvote:2410.17243", src/domain/pending.ts), done at sign-in (0015). */
  pending: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Text a signed-out reader typed, kept through sign-in (0021, src/storage/pending-drafts.ts). */
export interface PendingDraftsTable {
  id: Generated<number>;
  key_hash: string;
  kind: string; // comment | submit
  target: string;
  body: string;
  user_id: number | null;
  claimed_at: string | null;
  problem: string | null;
  created_at: string;
  expires_at: string;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** Space-separated scopes (src/domain/token-scopes.ts); a default fills old rows. */
  scopes: Generated<string>;
  /** ISO time after which the token is refused; null: never. */
  expires_at: string | null;
}

export interface UpvotesTable {
  user_id: number;
  paper_id: number;
  created_at: string;
}

export interface CommentsTable {
  id: Generated<number>;
  paper_id: number;
  user_id: number;
  /** One level deep: a reply's parent is always a top-level comment. */
  parent_id: number | null;
  body_md: string;
  body_html: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  hidden_at: string | null;
  hidden_by: number | null;
}

export interface CommentReportsTable {
  comment_id: number;
  user_id: number;
  reason: string;
  created_at: string;
  resolved_at: string | null;
}

export interface TrendingScoresTable {
  window: string; // day | week | month
  paper_id: number;
  rank: number;
  score: number;
  upvotes: number;
  comments: number;
  stars_gained: number | null;
  age_hours: number;
  computed_at: string;
}

export interface StarSnapshotsTable {
  paper_id: number;
  day: string;
  stars: number;
}

export interface CollectionsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  description: string | null;
  is_public: number;
  created_at: string;
  updated_at: string;
}

export interface CollectionItemsTable {
  collection_id: number;
  paper_id: number;
  note: string | null;
  added_at: string;
}

export interface AuthorClaimsTable {
  id: Generated<number>;
  user_id: number;
  paper_id: number;
  author_name: string;
  status: string; // pending | approved | rejected
  created_at: string;
  decided_at: string | null;
  decided_by: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  actor_user_id: number | null;
  action: string;
  target_type: string;
  target_id: string;
  detail_json: string | null;
  created_at: string;
}

export interface RateLimitsTable {
  key: string;
  window_start: string;
  hits: number;
  expires_at: string;
}

export interface CommunityTables {
  users: UsersTable;
  magic_links: MagicLinksTable;
  pending_drafts: PendingDraftsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  upvotes: UpvotesTable;
  comments: CommentsTable;
  comment_reports: CommentReportsTable;
  trending_scores: TrendingScoresTable;
  star_snapshots: StarSnapshotsTable;
  collections: CollectionsTable;
  collection_items: CollectionItemsTable;
  author_claims: AuthorClaimsTable;
  audit_log: AuditLogTable;
  rate_limits: RateLimitsTable;
}
