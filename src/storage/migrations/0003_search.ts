// Search: the full-text index kept in sync with papers by triggers (FTS5 on SQLite, a weighted
// tsvector + GIN and pg_trgm on PostgreSQL), stored embeddings, and deletions for index replicas.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('paper_vectors')
    .addColumn('paper_id', 'integer', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
    .addColumn('embedder', 'text', (c) => c.notNull())
    .addColumn('dims', 'integer', (c) => c.notNull())
    .addColumn('vector', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('source_modified_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('paper_vectors_updated').on('paper_vectors').columns(['updated_at', 'paper_id']).execute();
  await db.schema
    .createTable('search_deletions')
    .addColumn('paper_id', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('search_deletions_at').on('search_deletions').columns(['deleted_at']).execute();

  // Exact-title lookups.
  await sql`create index papers_title_lower on papers (lower(title))`.execute(db);
  if (isPostgres(db)) await postgres(db);
  else await sqlite(db);
}

async function sqlite(db: Kysely<any>): Promise<void> {
  // External-content FTS5: the text lives in papers; porter stemming over unicode61 with diacritics folded.
  await sql`create virtual table papers_fts using fts5(title, abstract, authors_json, content='papers', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2')`.execute(db);
  // Trigrams of titles, for typo-tolerant title lookup.
  await sql`create virtual table papers_title_tri using fts5(title, content='papers', content_rowid='id', tokenize='trigram')`.execute(db);
  await sql`create trigger papers_search_ai after insert on papers begin
    insert into papers_fts(rowid, title, abstract, authors_json) values (new.id, new.title, new.abstract, new.authors_json);
    insert into papers_title_tri(rowid, title) values (new.id, new.title);
  end`.execute(db);
  await sql`create trigger papers_search_ad after delete on papers begin
    insert into papers_fts(papers_fts, rowid, title, abstract, authors_json) values ('delete', old.id, old.title, old.abstract, old.authors_json);
    insert into papers_title_tri(papers_title_tri, rowid, title) values ('delete', old.id, old.title);
    insert into search_deletions(paper_id, deleted_at) values (old.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  end`.execute(db);
  await sql`create trigger papers_search_au after update of title, abstract, authors_json on papers begin
    insert into papers_fts(papers_fts, rowid, title, abstract, authors_json) values ('delete', old.id, old.title, old.abstract, old.authors_json);
    insert into papers_fts(rowid, title, abstract, authors_json) values (new.id, new.title, new.abstract, new.authors_json);
    insert into papers_title_tri(papers_title_tri, rowid, title) values ('delete', old.id, old.title);
    insert into papers_title_tri(rowid, title) values (new.id, new.title);
  end`.execute(db);
  // Papers stored before this migration.
  await sql`insert into papers_fts(papers_fts) values ('rebuild')`.execute(db);
  await sql`insert into papers_title_tri(papers_title_tri) values ('rebuild')`.execute(db);
}

async function postgres(db: Kysely<any>): Promise<void> {
  // In public, so that every schema (tests use one each) sees the same extension.
  await sql`create extension if not exists pg_trgm schema public`.execute(db);
  await sql`create table paper_search (
    paper_id integer primary key references papers(id) on delete cascade,
    tsv tsvector not null
  )`.execute(db);
  await sql`create index paper_search_tsv on paper_search using gin (tsv)`.execute(db);
  await sql`create index papers_title_trgm on papers using gin (lower(title) public.gin_trgm_ops)`.execute(db);
  // Weighted: title A, abstract B, authors C. 'english' stems; authors are names, so 'simple'.
  await sql`create function paper_search_sync() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        insert into search_deletions(paper_id, deleted_at) values (old.id, to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
        return old;
      end if;
      insert into paper_search(paper_id, tsv) values (new.id,
        setweight(to_tsvector('english', coalesce(new.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(new.abstract, '')), 'B') ||
        setweight(to_tsvector('simple', coalesce(new.authors_json, '')), 'C'))
      on conflict (paper_id) do update set tsv = excluded.tsv;
      return new;
    end $$`.execute(db);
  await sql`create trigger papers_search_ins after insert on papers for each row execute function paper_search_sync()`.execute(db);
  await sql`create trigger papers_search_upd after update of title, abstract, authors_json on papers for each row execute function paper_search_sync()`.execute(db);
  await sql`create trigger papers_search_del before delete on papers for each row execute function paper_search_sync()`.execute(db);
  await sql`insert into paper_search(paper_id, tsv) select id,
      setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
      setweight(to_tsvector('english', coalesce(abstract, '')), 'B') ||
      setweight(to_tsvector('simple', coalesce(authors_json, '')), 'C') from papers`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
