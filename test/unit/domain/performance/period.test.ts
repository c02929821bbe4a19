import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RejectedError } from '../../../../src/domain/errors.js';
import {
  bucketIndex,
  buckets,
  parsePeriod,
  periodBounds,
  periodKey,
  serverDayStart,
  serverWeekStart,
} from '../../../../src/domain/performance/period.js';

const at = (iso: string): number => Date.parse(iso);
const H = 3600;

describe('parsePeriod', () => {
  it.each([
    ['today', { kind: 'today' }],
    ['YESTERDAY', { kind: 'yesterday' }],
    ['7d', { kind: 'days', days: 7 }],
    ['30D', { kind: 'days', days: 30 }],
    ['all', { kind: 'all' }],
    ['2026-11-25', { kind: 'date', date: '2026-11-25' }],
    ['2026-11', { kind: 'month', month: '2026-11' }],
  ])('%s', (text, period) => {
    expect(parsePeriod(text)).toEqual(period);
    expect(parsePeriod(periodKey(period as never))).toEqual(period);
  });

  it.each(['banana', '7', 'd7', '7days', '', '2026/11/25', '-3d'])('%s is not a period', (text) => {
    expect(parsePeriod(text)).toBeNull();
  });
});

describe('periodBounds', () => {
  // 2026-11-25 01:30 UTC is 04:30 on a UTC+3 broker, 20:30 the day before on a UTC−5 one.
  const now = at('2026-11-25T01:30:00Z');

  it('"today" starts at midnight server time', () => {
    expect(periodBounds({ kind: 'today' }, now, 3 * H)).toMatchObject({ fromMs: at('2026-11-24T21:00:00Z'), toMs: now, label: 'today', utcOffsetSeconds: 10800 });
    expect(periodBounds({ kind: 'today' }, now, -5 * H).fromMs).toBe(at('2026-11-24T05:00:00Z'));
    expect(periodBounds({ kind: 'today' }, now, 0).fromMs).toBe(at('2026-11-25T00:00:00Z'));
  });

  it('"7d" is today and the six server days before; "yesterday" the day before today', () => {
    expect(periodBounds({ kind: 'days', days: 7 }, now, 3 * H)).toMatchObject({ fromMs: at('2026-11-18T21:00:00Z'), toMs: now, label: 'last 7 days' });
    expect(periodBounds({ kind: 'yesterday' }, now, 3 * H)).toMatchObject({ fromMs: at('2026-11-23T21:00:00Z'), toMs: at('2026-11-24T21:00:00Z') - 1 });
  });

  it('"all" has no start', () => {
    expect(periodBounds({ kind: 'all' }, now, 0)).toMatchObject({ fromMs: null, toMs: now });
  });

  it('a named day or month is the broker’s, cut at now', () => {
    expect(periodBounds({ kind: 'date', date: '2026-11-20' }, now, 2 * H)).toMatchObject({ fromMs: at('2026-11-19T22:00:00Z'), toMs: at('2026-11-20T22:00:00Z') - 1 });
    expect(periodBounds({ kind: 'month', month: '2026-11' }, now, 2 * H)).toMatchObject({ fromMs: at('2026-10-31T22:00:00Z'), toMs: now });
    expect(periodBounds({ kind: 'month', month: '2026-02' }, now, 0)).toMatchObject({ fromMs: at('2026-02-01T00:00:00Z'), toMs: at('2026-03-01T00:00:00Z') - 1 });
    // The server day of `now` on a UTC+3 broker is already the 25th.
    expect(periodBounds({ kind: 'date', date: '2026-11-25' }, now, 3 * H).toMs).toBe(now);
  });

  it('refuses a period that has not begun, a date that does not exist, and out-of-range day counts', () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(RejectedError);
        return (err as RejectedError).code;
      }
      return 'none';
    };
    expect(code(() => periodBounds({ kind: 'date', date: '2026-11-26' }, now, 0))).toBe('period_in_future');
    expect(code(() => periodBounds({ kind: 'month', month: '2026-12' }, now, 0))).toBe('period_in_future');
    // On a UTC+3 broker the 25th has begun; on UTC it has too; on UTC−5 it has not.
    expect(code(() => periodBounds({ kind: 'date', date: '2026-11-25' }, now, -5 * H))).toBe('period_in_future');
    expect(code(() => periodBounds({ kind: 'date', date: '2026-02-30' }, now, 0))).toBe('invalid_period');
    expect(code(() => periodBounds({ kind: 'month', month: '2026-13' }, now, 0))).toBe('invalid_period');
    expect(code(() => periodBounds({ kind: 'days', days: 0 }, now, 0))).toBe('invalid_period');
    expect(code(() => periodBounds({ kind: 'days', days: 3651 }, now, 0))).toBe('invalid_period');
    expect(code(() => periodBounds({ kind: 'days', days: 1.5 }, now, 0))).toBe('invalid_period');
  });
});

describe('server calendar', () => {
  it('weeks start on Monday 00:00 server time', () => {
    // 2026-11-25 is a Wednesday.
    expect(serverWeekStart(at('2026-11-25T12:00:00Z'), 0)).toBe(at('2026-11-23T00:00:00Z'));
    expect(serverWeekStart(at('2026-11-23T00:00:00Z'), 0)).toBe(at('2026-11-23T00:00:00Z'));
    // Sunday 22:30 UTC is already Monday on a UTC+2 broker.
    expect(serverWeekStart(at('2026-11-29T22:30:00Z'), 2 * H)).toBe(at('2026-11-29T22:00:00Z'));
    expect(serverDayStart(at('1969-12-31T23:00:00Z'), 0)).toBe(at('1969-12-31T00:00:00Z'));
  });

  it('buckets: days, weeks and months oldest first, the last ending now', () => {
    const now = at('2026-11-25T10:00:00Z');
    const days = buckets('day', 3, now, 0);
    expect(days.map((b) => b.label)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
    expect(days.at(-1)?.toMs).toBe(now);
    expect(buckets('week', 2, now, 0).map((b) => b.label)).toEqual(['week of 2026-11-16', 'week of 2026-11-23']);
    const months = buckets('month', 3, now, 0);
    expect(months.map((b) => b.label)).toEqual(['2026-09', '2026-10', '2026-11']);
    expect(months[0]?.toMs).toBe(at('2026-10-01T00:00:00Z') - 1);
    expect(buckets('month', 2, at('2026-01-15T00:00:00Z'), 0).map((b) => b.label)).toEqual(['2025-12', '2026-01']);
    expect(() => buckets('day', 0, now, 0)).toThrow(RejectedError);
  });

  it('buckets touch, cover from the first start to now, and every instant falls in exactly one (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('day', 'week', 'month') as fc.Arbitrary<'day' | 'week' | 'month'>,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: -12, max: 14 }).map((h) => h * 3600 + (h % 2 === 0 ? 0 : 1800)),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (unit, count, now, offset, where) => {
          const list = buckets(unit, count, now, offset);
          expect(list).toHaveLength(count);
          for (let i = 1; i < list.length; i++) expect(list[i]?.fromMs).toBe((list[i - 1]?.toMs ?? 0) + 1);
          expect(list.at(-1)?.toMs).toBe(now);
          const first = list[0]?.fromMs ?? 0;
          const t = Math.floor(first + where * (now - first));
          const i = bucketIndex(list, t);
          expect(i).toBeGreaterThanOrEqual(0);
          expect(list.filter((b) => t >= b.fromMs && t <= b.toMs)).toHaveLength(1);
          expect(bucketIndex(list, first - 1)).toBe(-1);
          expect(bucketIndex(list, now + 1)).toBe(-1);
        },
      ),
    );
  });
});
