import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announceDay, announceDayAt } from '../src/domain/dates.ts';

// arxiv.org/help/availability: 14:00 US Eastern cut-off; announced Sunday–Thursday at 20:00, listed the next day.
test('the arXiv listing day follows the 14:00 Eastern cut-off, daylight saving time included', () => {
  const cases: [string, string][] = [
    ['2024-10-28T17:59:00Z', '2024-10-29'], // Monday 13:59 EDT: that evening, listed Tuesday
    ['2024-10-28T18:01:00Z', '2024-10-30'], // Monday 14:01 EDT: Tuesday evening, listed Wednesday
    ['2024-10-31T19:00:00Z', '2024-11-04'], // Thursday after the cut-off: Sunday evening, listed Monday
    ['2024-11-01T17:00:00Z', '2024-11-04'], // Friday before it: Monday
    ['2024-11-01T19:00:00Z', '2024-11-05'], // Friday after it: Monday evening, listed Tuesday
    ['2024-11-02T12:00:00Z', '2024-11-05'], // Saturday: Tuesday
    ['2024-11-04T18:30:00Z', '2024-11-05'], // Monday 13:30 EST (clocks went back on Nov 3)
    ['2024-11-04T19:30:00Z', '2024-11-06'], // Monday 14:30 EST
    ['2024-11-05T03:00:00Z', '2024-11-06'], // Monday 22:00 EST (Tuesday in UTC): after Monday's cut-off
  ];
  for (const [at, day] of cases) assert.equal(announceDayAt(at), day, at);
  // A bare date counts as before the cut-off.
  assert.equal(announceDayAt('2024-10-28'), announceDay('2024-10-28'));
  assert.throws(() => announceDayAt('yesterday'), /bad time/);
});
