// Builds one Paperboy instance from its configuration: database, stores, services, queue.
// Every entry point (web server, worker, CLI, tests) goes through here.
import { randomBytes } from 'node:crypto';
import type { Config } from './config/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { openDb, type Db } from './storage/db.ts';
import { assertSchemaCurrent, migrateToLatest } from './storage/migrate.ts';
import { PaperStore } from './storage/papers.ts';
import { DailyStore } from './storage/daily.ts';
import { IngestLogStore } from './storage/ingest-log.ts';
import { KvStore } from './storage/kv.ts';
import { JobQueue } from './jobs/queue.ts';
import { Importer } from './services/importer.ts';
import { privateDir } from './storage/private-files.ts';
import { PaperService } from './services/papers.ts';
import { CatalogService } from './services/catalog.ts';
import { CatalogStore } from './storage/catalog.ts';
import { loadSample } from './services/sample.ts';
import { createTransport, type MailTransport } from './mail/transport.ts';
import { SearchService } from './search/service.ts';
import { DigestService } from './services/digest.ts';
import { createCommunity, type Community } from './services/community.ts';
import { atomClient, fetchArxivPapers } from './ingest/atom.ts';
import { createAgents, type Agents } from './services/agents.ts';
import { Recommender } from './services/recs.ts';
import { RecStore } from './storage/recs.ts';
import { RecPaperStore } from './storage/recs-papers.ts';

export interface Paperboy {
  config: Config;
  log: Logger;
  db: Db;
  stores: {
    papers: PaperStore;
    daily: DailyStore;
    ingestLog: IngestLogStore;
    kv: KvStore;
  };
  jobs: JobQueue;
  importer: Importer;
  papers: PaperService;
  /** Accounts, votes, comments, submissions, trending, collections, claims, rate limits. */
  community: Community;
  /** The public read model of the JSON API and feeds. */
  catalog: CatalogService;
  /** Outgoing mail: SMTP when SMTP_URL is set, else the file outbox. */
  mail: MailTransport;
  /** Hybrid search: lexical index, embedder, vector index replica. */
  search: SearchService;
  /** E-mail digests: subscriptions, editions, sending (src/services/digest.ts). */
  digest: DigestService;
  /** HF parity and agents: thumbnails, code links + GitHub stars, AI summaries (src/services/agents.ts). */
  agents: Agents;
  /** "For you": per-reader models, recommendations, "not interested", feed tokens (src/services/recs.ts). */
  recs: Recommender;
  /** The instance's signing key (PAPERBOY_SECRET, or generated once and kept in the database). */
  secret: string;
  /** Functions run by close(), last registered first. */
  onClose: (() => Promise<void> | void)[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Run pending migrations (npm start, tests); otherwise refuse an out-of-date schema. */
  migrate?: boolean;
  /** Load the bundled sample into an empty database. */
  sample?: boolean;
  log?: Logger;
  /** PostgreSQL schema (tests). */
  schema?: string;
}

/** The database the configuration names (DATABASE_URL, PAPERBOY_DATABASE_SCHEMA, pool and timeout settings). */
export function openConfiguredDb(config: Config, schema?: string): Db {
  return openDb({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    schema: schema ?? config.databaseSchema,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
}

export async function openPaperboy(config: Config, opts: OpenOptions = {}): Promise<Paperboy> {
  const log = opts.log ?? createLogger(config.logLevel);
  privateDir(config.dataDir);
  const db = openConfiguredDb(config, opts.schema);
  try {
    if (opts.migrate) {
      const ran = await migrateToLatest(db);
      if (ran.length) log.info({ migrations: ran }, 'database migrated');
    }
    await assertSchemaCurrent(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const stores = {
    papers: new PaperStore(db.kysely, db.sqlite),
    daily: new DailyStore(db.kysely),
    ingestLog: new IngestLogStore(db.kysely),
    kv: new KvStore(db.kysely),
  };
  let secret = config.secret;
  if (!secret) {
    secret = await stores.kv.setIfAbsent('instance_secret', randomBytes(32).toString('base64url'));
  }
  const pb: Paperboy = {
    config,
    log,
    db,
    stores,
    jobs: new JobQueue(db.kysely, db.dialect),
    importer: new Importer(stores.papers, stores.daily, stores.ingestLog),
    papers: new PaperService(stores.papers, stores.daily),
    community: undefined as unknown as Community, // set just below: it needs pb.papers and pb.mail
    catalog: new CatalogService(new CatalogStore(db.kysely), new PaperService(stores.papers, stores.daily)),
    mail: createTransport(config),
    search: new SearchService(config, db, stores.papers, log),
    digest: undefined as unknown as DigestService, // set below: it needs the finished instance
    agents: createAgents({ db: db.kysely, config, kv: stores.kv, log }),
    recs: undefined as unknown as Recommender, // set below: it needs pb.search and the community clock
    secret,
    onClose: [],
    async close() {
      for (const fn of [...pb.onClose].reverse()) await fn();
      pb.mail.close();
      await db.close();
    },
  };
  pb.onClose.push(() => pb.search.close());
  const fetcher = { fetch: (ids: string[]) => fetchArxivPapers(ids, atomClient(config)) };
  pb.community = createCommunity({ db: db.kysely, config, mail: pb.mail, stores, papers: pb.papers, fetcher });
  // Submissions arXiv does not answer in time finish in a job (src/jobs/tasks/community.ts).
  pb.community.submissions.queue = pb.jobs;
  if (opts.sample && (await stores.papers.count()) === 0) {
    log.info('empty database: loading the bundled sample papers');
    const summaries = await loadSample(pb.importer);
    for (const s of summaries) log.info({ source: s.source, inserted: s.inserted, errors: s.errors, seconds: s.seconds }, 'sample loaded');
  }
  pb.recs = new Recommender(
    new RecStore(db.kysely),
    new RecPaperStore(db.kysely),
    stores.papers,
    stores.daily,
    pb.community.votes,
    { embedder: () => pb.search.embedder(), neighbours: async (v, k) => (await pb.search.replica())?.search(v, k) ?? [] },
    pb.jobs,
    stores.kv,
    pb.community.now,
    log,
  );
  pb.digest = new DigestService(pb);
  return pb;
}
