// Sync health for administrators: /admin/sync lists, per paper source, the last success, the last
// error and the next attempt, plus the jobs per lane; the daily page shows admins (never readers) a
// short note when a source has failed for a day.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { AppError } from '../../domain/errors.ts';
import { syncHealth, type SourceHealth } from '../../jobs/sync-health.ts';
import { laneOf } from '../../jobs/lanes.ts';

const viewerRole = (req: FastifyRequest) => (req as { viewer?: { role?: string } | null }).viewer?.role;

const when = (iso: string | null) =>
  iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>` : html`<span class="muted">never</span>`;

/** The daily page's admin note: sources failing for a day; empty for everyone else. */
export async function syncHealthNote(ctx: HttpContext, req: FastifyRequest): Promise<SafeHtml | ''> {
  if (viewerRole(req) !== 'admin') return '';
  const down = (await syncHealth(ctx.pb).catch(() => [] as SourceHealth[])).filter((s) => s.down);
  if (!down.length) return '';
  return html`<p class="notice" role="status" data-sync-health>
    Admin:
    ${down.map((s, i) => html`${i ? '; ' : ''}<strong>${s.label}</strong> has failed since ${when(s.failingSince)} (${s.lastError ?? 'unknown error'})`)}. New
    papers from it are missing. <a href="/admin/sync">Sync health</a>
  </p>`;
}

export function syncHealthPages(app: FastifyInstance, ctx: HttpContext): void {
  app.get('/admin/sync', async (req, reply) => {
    if (viewerRole(req) !== 'admin') throw new AppError(403, 'forbidden', 'Only administrators may see the sync health.');
    const [sources, jobs] = await Promise.all([syncHealth(ctx.pb), ctx.pb.jobs.countsByName()]);
    const lanes = new Map<string, { name: string; counts: Record<string, number> }[]>();
    for (const [name, counts] of Object.entries(jobs)) {
      const lane = laneOf(name);
      lanes.set(lane, [...(lanes.get(lane) ?? []), { name, counts }]);
    }
    const body = html`<h1>Sync health</h1>
      <p class="muted">
        Syncs are ${ctx.pb.config.syncEnabled ? 'on' : 'off (PAPERBOY_SYNC=false)'}. A source failing for a day is shown to admins on the daily page.
      </p>
      <table class="sync-health">
        <thead>
          <tr>
            <th>Source</th>
            <th>Last success</th>
            <th>Last error</th>
            <th>Failing since</th>
            <th>Next attempt</th>
          </tr>
        </thead>
        <tbody>
          ${sources.map(
            (s) =>
              html`<tr${s.down ? html` class="down"` : ''}><td>${s.label}</td><td>${when(s.lastSuccessAt)}</td><td>${s.lastError ? html`${when(s.lastErrorAt)}: ${s.lastError}` : html`<span class="muted">none</span>`}</td><td>${s.failingSince ? html`${when(s.failingSince)} (${s.failures} failure${s.failures === 1 ? '' : 's'})` : ''}</td><td>${when(s.nextAttemptAt)}</td></tr>`,
          )}
        </tbody>
      </table>
      <h2>Jobs by lane</h2>
      ${[...lanes.entries()].map(
        ([lane, rows]) =>
          html`<h3>${lane}</h3>
            <ul>
              ${rows.map((r) => html`<li>${r.name}: ${Object.entries(r.counts).map(([k, n], i) => html`${i ? ', ' : ''}${k} ${n}`)}</li>`)}
            </ul>`,
      )}`;
    return ctx.page(req, reply, { title: 'Sync health', description: 'Paper source sync health.' }, body);
  });
}
