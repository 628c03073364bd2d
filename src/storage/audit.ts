// The audit log's rows: every curator or admin action (see src/services/audit.ts).
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface AuditRow {
  id: number;
  actorUserId: number | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  detail: unknown;
  createdAt: string;
}

export class AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(e: { actorUserId: number | null; action: string; targetType: string; targetId: string; detail?: unknown; createdAt: string }): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        actor_user_id: e.actorUserId,
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
        detail_json: e.detail === undefined ? null : JSON.stringify(e.detail),
        created_at: e.createdAt,
      })
      .execute();
  }

  /** Newest first, with the actor's username. */
  async list(limit: number): Promise<AuditRow[]> {
    const rows = await this.db
      .selectFrom('audit_log as a')
      .leftJoin('users as u', 'u.id', 'a.actor_user_id')
      .selectAll('a')
      .select('u.username as actor_name')
      .orderBy('a.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      actorUserId: r.actor_user_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      detail: r.detail_json ? JSON.parse(r.detail_json) : null,
      createdAt: r.created_at,
    }));
  }
}
