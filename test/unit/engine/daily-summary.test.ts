import { describe, expect, it } from 'vitest';
import { DailySummaryTimer, buildDailySummary } from '../../../src/engine/daily-summary.js';
import type { DailySummarySource } from '../../../src/engine/daily-summary.js';
import type { CopierEvent, EngineState, JournalRow } from '../../../src/engine/index.js';
import { defaultFollower } from '../../../src/domain/config.js';

const DAY = 86_400_000;
const day0 = Date.UTC(2026, 10, 23);

function row(at: number, followerId: string, status: JournalRow['status']): JournalRow {
  return { at, masterId: 'm', eventId: `e${at}`, eventKind: 'open', followerId, action: 'open', status, reason: null, detail: {}, masterTicket: 1, followerTicket: 2, symbol: 'EURUSD', volume: 0.1, price: 1 };
}

function source(journal: JournalRow[], now: { t: number }, timers: { fn: () => void; at: number }[], emitted: CopierEvent[]): DailySummarySource {
  const data: EngineState = {
    masters: [{ accountId: 'm', paused: false }],
    followers: [defaultFollower('f1', ['m']), defaultFollower('f2', ['m'])],
    links: [],
    processed: {},
    pending: [],
    journal,
    daily: { f1: { day: '2026-11-23', startBalance: 1000 } },
    masterHistory: {},
  };
  return {
    clock: { now: () => now.t, setTimeout: (fn, ms) => { timers.push({ fn, at: now.t + ms }); return { cancel() {} }; } },
    state: { data },
    accountName: (id) => id.toUpperCase(),
    equityOf: (id) => (id === 'f1' ? 1012.5 : null),
    emit: (e) => emitted.push(e),
  };
}

describe('daily summary', () => {
  it('counts only the given UTC day per follower and reports the day result', () => {
    const journal = [row(day0 + 5, 'f1', 'filled'), row(day0 + 6, 'f1', 'skipped'), row(day0 + 7, 'f1', 'rejected'), row(day0 + 8, 'f2', 'closed'), row(day0 - 1, 'f1', 'filled'), row(day0 + DAY, 'f1', 'filled')];
    const s = buildDailySummary(source(journal, { t: day0 + DAY + 5 }, [], []), day0);
    expect(s.day).toBe('2026-11-23');
    expect(s.rows).toEqual([
      { followerId: 'f1', followerName: 'F1', copied: 1, skipped: 1, rejected: 1, profit: 12.5 },
      { followerId: 'f2', followerName: 'F2', copied: 1, skipped: 0, rejected: 0, profit: 0 },
    ]);
  });

  it('fires after UTC midnight and re-arms for the next day', () => {
    const now = { t: day0 + 3_600_000 };
    const timers: { fn: () => void; at: number }[] = [];
    const emitted: CopierEvent[] = [];
    const timer = new DailySummaryTimer(source([row(day0 + 10, 'f1', 'filled')], now, timers, emitted));
    timer.start();
    expect(timers[0]?.at).toBe(day0 + DAY + 1000);
    now.t = timers[0]!.at;
    timers[0]!.fn();
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ type: 'daily_summary', day: '2026-11-23' });
    expect(timers[1]?.at).toBe(day0 + 2 * DAY + 1000);
  });
});
