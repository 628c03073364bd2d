// Row types of the digest area's tables. src/storage/schema.ts merges them into Database.
import type { Generated } from 'kysely';

export interface DigestSubscribersTable {
  id: Generated<number>;
  /** Lower-cased address; one row per address. */
  email: string;
  /** pending (awaiting double opt-in) | confirmed | unsubscribed | suspended (hard bounce). */
  status: string;
  /** daily | weekly */
  frequency: string;
  /** JSON arrays of arXiv categories, keywords (saved searches) and followed author names. */
  categories_json: string;
  keywords_json: string;
  authors_json: string;
  /** IANA time zone, e.g. Europe/Berlin. */
  time_zone: string;
  /** The signed-in account that manages this subscription, when there is one. */
  user_id: number | null;
  /** JSON preferences awaiting confirmation (a re-subscribe never changes a live subscription unconfirmed). */
  pending_json: string | null;
  /** sha256 of the confirmation token; the token itself is only in the mail. */
  confirm_token_hash: string | null;
  confirm_sent_at: string | null;
  confirm_expires_at: string | null;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  /** Why mail to this address stopped (the SMTP 5xx reply). */
  suspended_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DigestEditionsTable {
  id: Generated<number>;
  /** daily | weekly */
  kind: string;
  /** 2026-11-27 (daily) or 2026-W48 (weekly). */
  edition_key: string;
  range_from: string;
  range_to: string;
  /** JSON {top: paperId[], trending: paperId[]}: what every digest of the edition shares. */
  common_json: string;
  deliveries: number;
  built_at: string;
}

export interface DigestDeliveriesTable {
  id: Generated<number>;
  edition_id: number;
  subscriber_id: number;
  /** pending | sending | sent | failed | skipped */
  status: string;
  /** JSON {top, trending, personal: [{id, why}]}: the papers chosen for this subscriber at build time. */
  papers_json: string;
  /** Not before this time (the subscriber's local hour; later after a transient failure). */
  send_after: string;
  attempts: number;
  lease_until: string | null;
  locked_by: string | null;
  /** Stable per delivery, the same on every attempt. */
  message_id: string;
  last_error: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface DigestSendLogTable {
  /** One row per message, keyed by its stable Message-ID. */
  message_id: string;
  delivery_id: number;
  recipient: string;
  /** prepared | committing | accepted | assumed | transient | rejected */
  state: string;
  response: string | null;
  created_at: string;
  updated_at: string;
}

export interface DigestSentPapersTable {
  subscriber_id: number;
  paper_id: number;
  delivery_id: number;
  created_at: string;
}

export interface DigestTables {
  digest_subscribers: DigestSubscribersTable;
  digest_editions: DigestEditionsTable;
  digest_deliveries: DigestDeliveriesTable;
  digest_send_log: DigestSendLogTable;
  digest_sent_papers: DigestSentPapersTable;
}
