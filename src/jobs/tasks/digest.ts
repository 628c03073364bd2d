// Digest jobs: build the day's (or week's) edition once per slot, and drain due deliveries often.
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';
import { addDays, isoWeekday, toDay } from '../../domain/dates.ts';
import type { Frequency } from '../../services/digest-util.ts';

export function registerDigestTasks(worker: Worker, pb: Paperboy): void {
  worker.register('digest.build', async (job) => {
    const { edition, date } = job.payload as { edition: Frequency; date: string };
    const r = await pb.digest.build(edition, date);
    pb.log.info({ edition: r.edition, kind: r.kind, subscribers: r.subscribers, deliveries: r.deliveries, skipped: r.skipped }, 'digest built');
    // Whatever is already due (subscribers east of UTC) goes out now.
    await pb.jobs.enqueue('digest.send', {}, { uniqueKey: `digest.send:after-build:${r.kind}:${r.edition}` });
  });
  worker.register('digest.send', async (_job, signal) => {
    const r = await pb.digest.send({ signal });
    if (r.claimed) pb.log.info({ ...r }, 'digest deliveries handled');
  });
}

export function registerDigestSchedules(scheduler: Scheduler, pb: Paperboy): void {
  const cfg = pb.config;
  // Daily: on announcement days (Monday–Friday), from the build hour (UTC) on, once per day.
  scheduler.add({
    name: 'digest.build.daily',
    job: 'digest.build',
    slot: (now) => {
      const day = toDay(now);
      return isoWeekday(day) <= 5 && now.getUTCHours() >= cfg.digestBuildHourUtc ? day : null;
    },
    payload: (day) => ({ edition: 'daily', date: day }),
  });
  // Weekly: the previous ISO week, built on its mailing day (sent at the local hour).
  scheduler.add({
    name: 'digest.build.weekly',
    job: 'digest.build',
    slot: (now) => {
      const day = toDay(now);
      return isoWeekday(day) === cfg.digestWeeklyDay && now.getUTCHours() >= cfg.digestBuildHourUtc ? addDays(day, -7) : null;
    },
    payload: (day) => ({ edition: 'weekly', date: day }),
  });
  // Sending: every five minutes; each subscriber's local hour falls due in one of these runs.
  scheduler.add({
    name: 'digest.send',
    job: 'digest.send',
    slot: (now) => `${now.toISOString().slice(0, 15)}${Math.floor(now.getUTCMinutes() % 10 / 5) * 5}`,
  });
}
