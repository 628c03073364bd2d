// Builds one Paperboy instance from its configuration: database, stores, services, queue.
// Every entry point (web server, worker, CLI, tests) goes through here.
import { randomBytes } from 'node:crypto';
import type { Config } from './config/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { openDb, type Db } from './storage/db.ts';
import { assertSchemaCurrent, migrateToLatest } from './storage/migrate.ts';
import { restoreDeferredIndexes } from './storage/paper-bulk-sqlite.ts';
import { PaperStore } from './storage/papers.ts';
import { DailyStore } from './storage/daily.ts';
import { IngestLogStore } from './storage/ingest-log.ts';
import { KvStore } from './storage/kv.ts';
import { UserStore } from './storage/users.ts';
import { VoteStore } from './storage/votes.ts';
import { CommentStore } from './storage/comments.ts';
import { CollectionStore } from './storage/collections.ts';
import { TrendingStore } from './storage/trending.ts';
import { AuditStore } from './storage/audit.ts';
import { ClaimStore } from './storage/claims.ts';
import { RateLimitStore } from './storage/rate-limits.ts';
import { PendingDraftStore } from './storage/pending-drafts.ts';
import { DigestStore } from './storage/digest.ts';
import { SubscriberStore } from './storage/digest-subscribers.ts';
import { CatalogStore } from './storage/catalog.ts';
import { InstanceStatsStore } from './storage/instance-stats.ts';
import { HarvestStore, HttpCacheStore } from './storage/harvest.ts';
import { SourceHealthStore } from './storage/source-health.ts';
import { AiSummaryStore, GithubStore, ThumbnailStore } from './storage/agents.ts';
import { RecStore } from './storage/recs.ts';
import { privateDir } from './storage/private-files.ts';
import { JobQueue } from './jobs/queue.ts';
import { Importer } from './services/importer.ts';
import { PaperService } from './services/papers.ts';
import { CatalogService } from './services/catalog.ts';
import { loadSample } from './services/sample.ts';
import { createTransport, type MailTransport } from './mail/transport.ts';
import { countingMail } from './ops/mail-metrics.ts';
import { READINESS_CHECKS, type ReadinessCheck } from './ops/readiness.ts';
import { SearchService } from './search/service.ts';
import { DigestService } from './services/digest.ts';
import { Clock } from './services/clock.ts';
import { createCommunity, type Community } from './services/community.ts';
import { atomClient, fetchArxivPapers } from './ingest/atom.ts';
import { createAgents, type Agents } from './services/agents.ts';
import { Recommender } from './services/recs.ts';
import { RecPaperStore } from './storage/recs-papers.ts';

/** Every store of an instance, over its one database. */
export function createStores(db: Db) {
  const k = db.kysely;
  return {
    papers: new PaperStore(k, db.sqlite),
    daily: new DailyStore(k),
    ingestLog: new IngestLogStore(k),
    kv: new KvStore(k),
    users: new UserStore(k),
    votes: new VoteStore(k),
    comments: new CommentStore(k),
    collections: new CollectionStore(k),
    trending: new TrendingStore(k),
    audit: new AuditStore(k),
    claims: new ClaimStore(k),
    rateLimits: new RateLimitStore(k),
    drafts: new PendingDraftStore(k),
    digests: new DigestStore(db),
    subscribers: new SubscriberStore(k),
    catalog: new CatalogStore(k),
    instanceStats: new InstanceStatsStore(k),
    harvests: new HarvestStore(k),
    httpCache: new HttpCacheStore(k),
    sourceHealth: new SourceHealthStore(k),
    thumbnails: new ThumbnailStore(k),
    github: new GithubStore(k),
    ai: new AiSummaryStore(k),
    recs: new RecStore(k),
    recPapers: new RecPaperStore(k),
  };
}

export type Stores = ReturnType<typeof createStores>;

export interface Paperboy {
  config: Config;
  log: Logger;
  db: Db;
  stores: Stores;
  /** The instance's one clock (PAPERBOY_NOW fixes it); every time-dependent rule asks it. */
  clock: Clock;
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
  /** What /readyz checks beyond the database and its schema (src/ops/readiness.ts). */
  readinessChecks: ReadinessCheck[];
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
      // A bulk load that died left indexes to build (see SqliteBulk).
      const restored = db.sqlite ? restoreDeferredIndexes(db.sqlite) : [];
      if (restored.length) log.warn({ indexes: restored }, 'built the indexes an interrupted bulk import had deferred');
    }
    await assertSchemaCurrent(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const stores = createStores(db);
  let secret = config.secret;
  if (!secret) {
    secret = await stores.kv.setIfAbsent('instance_secret', randomBytes(32).toString('base64url'));
  }
  // Built bottom-up, each part from the parts it needs: no part is handed the whole instance.
  const clock = new Clock(config.communityNow);
  // Mail counted for the metrics by composition (src/ops/mail-metrics.ts).
  const mail = countingMail(createTransport(config));
  const jobs = new JobQueue(db.kysely, db.dialect);
  const importer = new Importer(stores.papers, stores.daily, stores.ingestLog);
  const papers = new PaperService(stores.papers, stores.daily, clock.now);
  const search = new SearchService(config, db, stores.papers, log);
  const fetcher = { fetch: (ids: string[]) => fetchArxivPapers(ids, atomClient(config)) };
  // A vote retrains the reader's For you model (recs is built below, from the community's votes).
  const community = createCommunity({ config, clock, mail, stores, papers, fetcher, queue: jobs, afterVote: (userId) => recs.afterSignal(userId) });
  const recs = new Recommender(
    stores.recs,
    stores.recPapers,
    stores.papers,
    stores.daily,
    community.votes,
    { embedder: () => search.embedder(), neighbours: async (v, k) => (await search.replica())?.search(v, k) ?? [] },
    jobs,
    stores.kv,
    clock.now,
    log,
  );
  const digest = new DigestService({
    config,
    log,
    mail,
    secret,
    stores,
    limiter: community.limiter,
    now: clock.now,
    search,
    recs: { rankFor: (userId, candidates, limit) => recs.rankFor(userId, candidates, limit) },
  });
  const pb: Paperboy = {
    config,
    log,
    db,
    stores,
    clock,
    jobs,
    importer,
    papers,
    community,
    catalog: new CatalogService(stores.catalog, papers),
    mail,
    search,
    digest,
    agents: createAgents({ config, log, stores, now: clock.now }),
    recs,
    readinessChecks: [...READINESS_CHECKS],
    secret,
    onClose: [],
    async close() {
      for (const fn of [...pb.onClose].reverse()) await fn();
      pb.mail.close();
      await db.close();
    },
  };
  pb.onClose.push(() => pb.search.close());
  if (opts.sample && (await stores.papers.count()) === 0) {
    log.info('empty database: loading the bundled sample papers');
    const summaries = await loadSample(pb.importer);
    for (const s of summaries) log.info({ source: s.source, inserted: s.inserted, errors: s.errors, seconds: s.seconds }, 'sample loaded');
  }
  return pb;
}
