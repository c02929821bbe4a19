import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMarketOpen, nextSessionOpen, sessionCloseTime } from '../../../src/domain/sessions.js';
import type { TradingSession } from '../../../src/domain/trading.js';

/** Server-time epoch ms of a wall-clock reading. 2024-01-01 was a Monday. */
const at = (day: number, hh: number, mm = 0, ss = 0): number => Date.UTC(2024, 0, day, hh, mm, ss);
const MON = 1;
const TUE = 2;
const FRI = 5;
const SAT = 6;
const SUN = 7;

const weekdays = (from: string, to: string): TradingSession[] =>
  (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((day) => ({ day, from, to }));

/** Forex-like: Sunday 22:00 to Friday 22:00, with full days in between ending at 24:00. */
const FOREX: TradingSession[] = [
  { day: 'SUNDAY', from: '22:00', to: '24:00' },
  { day: 'MONDAY', from: '00:00', to: '24:00' },
  { day: 'TUESDAY', from: '00:00', to: '24:00' },
  { day: 'WEDNESDAY', from: '00:00', to: '24:00' },
  { day: 'THURSDAY', from: '00:00', to: '24:00' },
  { day: 'FRIDAY', from: '00:00', to: '22:00' },
];

/** An index with a lunch break: two rows a day. */
const SPLIT: TradingSession[] = [
  ...weekdays('01:00', '12:00'),
  ...weekdays('13:00', '23:00'),
];

describe('isMarketOpen', () => {
  it('treats 24:00 as the end of the day, continuing into the next day', () => {
    expect(isMarketOpen(FOREX, at(MON, 23, 59, 59))).toBe(true);
    expect(isMarketOpen(FOREX, at(TUE, 0, 0))).toBe(true);
  });

  it('is closed over the weekend and opens Sunday 22:00', () => {
    expect(isMarketOpen(FOREX, at(FRI, 21, 59))).toBe(true);
    expect(isMarketOpen(FOREX, at(FRI, 22, 0))).toBe(false);
    expect(isMarketOpen(FOREX, at(SAT, 12, 0))).toBe(false);
    expect(isMarketOpen(FOREX, at(SUN, 21, 59))).toBe(false);
    expect(isMarketOpen(FOREX, at(SUN, 22, 0))).toBe(true);
  });

  it('handles several rows a day: from inclusive, to exclusive', () => {
    expect(isMarketOpen(SPLIT, at(MON, 0, 59))).toBe(false);
    expect(isMarketOpen(SPLIT, at(MON, 1, 0))).toBe(true);
    expect(isMarketOpen(SPLIT, at(MON, 11, 59))).toBe(true);
    expect(isMarketOpen(SPLIT, at(MON, 12, 0))).toBe(false);
    expect(isMarketOpen(SPLIT, at(MON, 12, 30))).toBe(false);
    expect(isMarketOpen(SPLIT, at(MON, 13, 0))).toBe(true);
    expect(isMarketOpen(SPLIT, at(MON, 23, 0))).toBe(false);
  });

  it('a day without rows is closed; an empty list (bridge without sessions) is open', () => {
    expect(isMarketOpen([{ day: 'MONDAY', from: '00:00', to: '24:00' }], at(TUE, 10))).toBe(false);
    expect(isMarketOpen([], at(SAT, 10))).toBe(true);
  });

  it('accepts a row wrapping past midnight and ignores malformed rows', () => {
    const wrap: TradingSession[] = [{ day: 'SATURDAY', from: '23:00', to: '01:00' }];
    expect(isMarketOpen(wrap, at(SAT, 23, 30))).toBe(true);
    expect(isMarketOpen(wrap, at(SUN, 0, 30))).toBe(true);
    expect(isMarketOpen(wrap, at(SUN, 1, 0))).toBe(false);
    const bad: TradingSession[] = [{ day: 'FUNDAY', from: '00:00', to: '24:00' }, { day: 'MONDAY', from: '25:00', to: '24:00' }];
    expect(isMarketOpen(bad, at(MON, 10))).toBe(false);
  });
});

describe('nextSessionOpen', () => {
  it('is now when open', () => {
    expect(nextSessionOpen(FOREX, at(TUE, 10, 5, 7))).toBe(at(TUE, 10, 5, 7));
  });

  it('Friday close → Sunday 22:00', () => {
    expect(nextSessionOpen(FOREX, at(FRI, 22, 0))).toBe(at(SUN, 22, 0));
    expect(nextSessionOpen(FOREX, at(SAT, 3, 17, 45))).toBe(at(SUN, 22, 0));
  });

  it('lunch break → the afternoon row; evening → next morning', () => {
    expect(nextSessionOpen(SPLIT, at(MON, 12, 30, 30))).toBe(at(MON, 13, 0));
    expect(nextSessionOpen(SPLIT, at(MON, 23, 30))).toBe(at(TUE, 1, 0));
    expect(nextSessionOpen(SPLIT, at(FRI, 23, 30))).toBe(at(MON + 7, 1, 0));
  });

  it('wraps the week and returns null when nothing ever opens', () => {
    const monOnly: TradingSession[] = [{ day: 'MONDAY', from: '08:00', to: '09:00' }];
    expect(nextSessionOpen(monOnly, at(MON, 9, 0))).toBe(at(MON + 7, 8, 0));
    expect(nextSessionOpen([{ day: 'MONDAY', from: '08:00', to: '08:00' }], at(MON, 9))).toBeNull();
  });

  it('the result is always open and nothing earlier in between is', () => {
    fc.assert(
      fc.property(fc.integer({ min: at(MON, 0), max: at(MON + 14, 0) }), (t) => {
        for (const s of [FOREX, SPLIT]) {
          const next = nextSessionOpen(s, t);
          expect(next).not.toBeNull();
          if (next === null) return;
          expect(next).toBeGreaterThanOrEqual(t);
          expect(isMarketOpen(s, next)).toBe(true);
          if (next > t) expect(isMarketOpen(s, next - 60_000)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('sessionCloseTime', () => {
  it('joins back-to-back days through 24:00', () => {
    expect(sessionCloseTime(FOREX, at(MON, 10))).toBe(at(FRI, 22, 0));
    expect(sessionCloseTime(SPLIT, at(MON, 10, 30))).toBe(at(MON, 12, 0));
    expect(sessionCloseTime(SPLIT, at(MON, 12, 30))).toBeNull();
  });

  it('is null for a market open all week or without sessions', () => {
    const always = (['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const).map((day) => ({ day, from: '00:00', to: '24:00' }));
    expect(sessionCloseTime(always, at(MON, 10))).toBeNull();
    expect(sessionCloseTime([], at(MON, 10))).toBeNull();
  });
});

describe('sessions: a list changed in place', () => {
  it('is read again (the parsed intervals are remembered per list only while its rows are unchanged)', () => {
    const monday10 = Date.UTC(2026, 5, 22, 10, 0);
    const sessions: TradingSession[] = [{ day: 'MONDAY', from: '00:00', to: '24:00' }];
    expect(isMarketOpen(sessions, monday10)).toBe(true);
    expect(isMarketOpen(sessions, monday10)).toBe(true);
    (sessions[0] as TradingSession).to = '09:00';
    expect(isMarketOpen(sessions, monday10)).toBe(false);
    sessions[0] = { day: 'MONDAY', from: '09:30', to: '11:00' };
    expect(isMarketOpen(sessions, monday10)).toBe(true);
    sessions.push({ day: 'TUESDAY', from: '00:00', to: '24:00' });
    sessions.shift();
    expect(isMarketOpen(sessions, monday10)).toBe(false);
    expect(nextSessionOpen(sessions, monday10)).toBe(Date.UTC(2026, 5, 23, 0, 0));
  });
});

describe('sessions: the minute of the week', () => {
  /** The reference: the fields of a Date, as the function read them before. */
  function referenceOpen(sessions: readonly TradingSession[], t: number): boolean {
    const d = new Date(t);
    const m = d.getUTCDay() * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
    const week = 7 * 1440;
    const days = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
    const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
    return sessions.some((row) => {
      const start = days.indexOf(row.day) * 1440 + hm(row.from);
      const to = hm(row.to);
      const end = days.indexOf(row.day) * 1440 + (to > hm(row.from) ? to : to + 1440);
      return end <= week ? start <= m && m < end : (start <= m && m < week) || m < end - week;
    });
  }

  it('is read from the time as a Date would read it, for any time (before 1970, fractions, out of range)', () => {
    const rows: TradingSession[] = [
      { day: 'MONDAY', from: '08:00', to: '17:30' },
      { day: 'WEDNESDAY', from: '23:59', to: '00:01' },
      { day: 'SATURDAY', from: '22:00', to: '02:00' },
      { day: 'SUNDAY', from: '00:00', to: '00:01' },
    ];
    const times = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double({ min: -8.7e15, max: 8.7e15, noNaN: true }),
      fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
      fc.constantFrom(0, -0, -1, -0.5, 0.5, 8.64e15, -8.64e15, 8.64e15 + 1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    fc.assert(
      fc.property(times, (t) => {
        expect(isMarketOpen(rows, t)).toBe(referenceOpen(rows, t));
      }),
      { numRuns: 3000 },
    );
  });
});
