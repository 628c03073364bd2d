// Author claims' rows (see src/services/claims.ts for the rules).
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { rowToPaper } from './papers.ts';
import type { Paper } from '../domain/paper.ts';

export interface Claim {
  id: number;
  userId: number;
  username: string | null;
  arxivId: string;
  title: string;
  authorName: string;
  status: 'pending' | 'approved' | 'rejected';
  createdAt: string;
}

interface ClaimRow {
  id: number;
  user_id: number;
  username: string | null;
  arxiv_id: string;
  title: string;
  author_name: string;
  status: string;
  created_at: string;
}

const toClaim = (r: ClaimRow): Claim => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  arxivId: r.arxiv_id,
  title: r.title,
  authorName: r.author_name,
  status: r.status as Claim['status'],
  createdAt: r.created_at,
});

export class ClaimStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The pending or approved claim on one author of one paper, if any. */
  async active(paperId: number, authorName: string): Promise<{ userId: number; status: string } | undefined> {
    const r = await this.db
      .selectFrom('author_claims')
      .select(['user_id', 'status'])
      .where('paper_id', '=', paperId)
      .where('author_name', '=', authorName)
      .where('status', '!=', 'rejected')
      .executeTakeFirst();
    return r && { userId: r.user_id, status: r.status };
  }

  /** Files a pending claim (again, when the same user's earlier claim was rejected); returns its id. */
  async file(userId: number, paperId: number, authorName: string, at: string): Promise<number> {
    const r = await this.db
      .insertInto('author_claims')
      .values({ user_id: userId, paper_id: paperId, author_name: authorName, status: 'pending', created_at: at })
      .onConflict((oc) => oc.columns(['paper_id', 'author_name', 'user_id']).doUpdateSet({ status: 'pending', decided_at: null, decided_by: null }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async decide(id: number, status: 'approved' | 'rejected', by: number, at: string): Promise<void> {
    await this.db.updateTable('author_claims').set({ status, decided_at: at, decided_by: by }).where('id', '=', id).execute();
  }

  private base() {
    return this.db
      .selectFrom('author_claims as a')
      .innerJoin('papers as p', 'p.id', 'a.paper_id')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.id', 'a.user_id', 'u.username', 'p.arxiv_id', 'p.title', 'a.author_name', 'a.status', 'a.created_at']);
  }

  async byId(id: number): Promise<Claim | undefined> {
    const r = await this.base().where('a.id', '=', id).executeTakeFirst();
    return r ? toClaim(r) : undefined;
  }

  async pending(limit: number): Promise<Claim[]> {
    return (await this.base().where('a.status', '=', 'pending').orderBy('a.created_at').limit(limit).execute()).map(toClaim);
  }

  async forUser(userId: number): Promise<Claim[]> {
    return (await this.base().where('a.user_id', '=', userId).orderBy('a.created_at', 'desc').execute()).map(toClaim);
  }

  /** The papers of a user's approved claims, newest first. */
  async claimedPapers(userId: number): Promise<Paper[]> {
    const rows = await this.db
      .selectFrom('author_claims as a')
      .innerJoin('papers as p', 'p.id', 'a.paper_id')
      .selectAll('p')
      .where('a.user_id', '=', userId)
      .where('a.status', '=', 'approved')
      .orderBy('p.published_at', 'desc')
      .execute();
    return rows.map(rowToPaper);
  }
}
