// The audit log: every curator or admin action (hiding a comment, deciding a claim, a role change).
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';

export interface AuditEntry {
  id: number;
  actorUserId: number | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  detail: unknown;
  createdAt: string;
}

export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  async record(actorUserId: number | null, action: string, targetType: string, targetId: string | number, detail?: unknown): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        actor_user_id: actorUserId,
        action,
        target_type: targetType,
        target_id: String(targetId),
        detail_json: detail === undefined ? null : JSON.stringify(detail),
        created_at: this.now().toISOString(),
      })
      .execute();
  }

  async list(limit = 100): Promise<AuditEntry[]> {
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
