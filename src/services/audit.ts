// The audit log: every curator or admin action (hiding a comment, deciding a claim, a role change).
// The rows live in src/storage/audit.ts.
import type { AuditRow, AuditStore } from '../storage/audit.ts';

export type AuditEntry = AuditRow;

export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly now: () => Date,
  ) {}

  async record(actorUserId: number | null, action: string, targetType: string, targetId: string | number, detail?: unknown): Promise<void> {
    await this.store.insert({ actorUserId, action, targetType, targetId: String(targetId), detail, createdAt: this.now().toISOString() });
  }

  async list(limit = 100): Promise<AuditEntry[]> {
    return this.store.list(limit);
  }
}
