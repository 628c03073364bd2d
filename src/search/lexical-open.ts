// Picks the lexical index adapter for the database: FTS5 with Paperboy's BM25 on SQLite, the
// term-statistics tables on PostgreSQL (docs/search.md).
import type { Db } from '../storage/db.ts';
import type { LexicalIndex } from './lexical.ts';
import { SqliteLexical } from './lexical-sqlite.ts';
import { PostgresLexical } from './lexical-pg.ts';

export function openLexical(db: Db): LexicalIndex {
  return db.dialect === 'sqlite' ? new SqliteLexical(db.sqlite!, db.bm25) : new PostgresLexical(db.kysely, db.pool!);
}
