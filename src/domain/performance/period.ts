/**
 * Report periods and their bounds. Days, weeks and months are the broker's: they start at midnight of the account's
 * server time (UTC + `utcOffsetSeconds`, fxsocket-api.md §3.1), so "today" matches the day the broker's own history
 * shows. Bounds are UTC epoch milliseconds; `now` is always a parameter.
 */
import { RejectedError } from '../errors.js';

const DAY_MS = 86_400_000;

/** The longest `Nd` period accepted. */
export const MAX_PERIOD_DAYS = 3650;

/** A period a report covers. Every period ends now, or at the end of the named day or month when that is past. */
export type ReportPeriod =
  /** Since midnight server time. */
  | { kind: 'today' }
  /** The previous server day. */
  | { kind: 'yesterday' }
  /** The last `days` server days, today included (`7d` = today and the six days before). */
  | { kind: 'days'; days: number }
  /** Everything the broker's history holds. */
  | { kind: 'all' }
  /** One server day, `YYYY-MM-DD`. */
  | { kind: 'date'; date: string }
  /** One server month, `YYYY-MM`. */
  | { kind: 'month'; month: string };

/** A period's bounds in UTC ms: `fromMs` null = the beginning of the history; `toMs` inclusive. */
export interface PeriodBounds {
  fromMs: number | null;
  toMs: number;
  /** What the period is called ("today", "last 7 days", "2026-11", …). */
  label: string;
  /** Broker server time − UTC, seconds, the bounds were computed with. */
  utcOffsetSeconds: number;
}

/** Words for the periods, for usage lines. */
export const PERIOD_WORDS = 'today, yesterday, 7d, 30d, <n>d, all, YYYY-MM-DD or YYYY-MM';

const DAYS_RE = /^(\d{1,5})d$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** Reads a period word, or null when `text` is not one (so the caller can try it as something else). */
export function parsePeriod(text: string): ReportPeriod | null {
  const s = text.trim().toLowerCase();
  if (s === 'today') return { kind: 'today' };
  if (s === 'yesterday') return { kind: 'yesterday' };
  if (s === 'all') return { kind: 'all' };
  const days = DAYS_RE.exec(s);
  if (days !== null) return { kind: 'days', days: Number(days[1]) };
  if (DATE_RE.test(s)) return { kind: 'date', date: s };
  if (MONTH_RE.test(s)) return { kind: 'month', month: s };
  return null;
}

/** A stable text for a period (cache keys, logs): `today`, `7d`, `all`, `2026-11-25`, `2026-11`. */
export function periodKey(p: ReportPeriod): string {
  switch (p.kind) {
    case 'today':
    case 'yesterday':
    case 'all':
      return p.kind;
    case 'days':
      return `${p.days}d`;
    case 'date':
      return p.date;
    case 'month':
      return p.month;
  }
}

/** Midnight server time of the server day holding `utcMs`, as UTC ms. */
export function serverDayStart(utcMs: number, utcOffsetSeconds: number): number {
  const off = utcOffsetSeconds * 1000;
  return Math.floor((utcMs + off) / DAY_MS) * DAY_MS - off;
}

/** Monday 00:00 server time of the server week holding `utcMs`, as UTC ms. */
export function serverWeekStart(utcMs: number, utcOffsetSeconds: number): number {
  const day = serverDayStart(utcMs, utcOffsetSeconds);
  const off = utcOffsetSeconds * 1000;
  // Day 0 of the epoch (1970-01-01) was a Thursday: three days after a Monday.
  const sinceMonday = (((Math.floor((day + off) / DAY_MS) + 3) % 7) + 7) % 7;
  return day - sinceMonday * DAY_MS;
}

/** The first of the server month holding `utcMs`, 00:00 server time, as UTC ms. */
export function serverMonthStart(utcMs: number, utcOffsetSeconds: number): number {
  const off = utcOffsetSeconds * 1000;
  const server = new Date(utcMs + off);
  return Date.UTC(server.getUTCFullYear(), server.getUTCMonth(), 1) - off;
}

/** The start of the server month `months` months after the one starting at `monthStartUtc` (negative: before). */
export function addServerMonths(monthStartUtc: number, months: number, utcOffsetSeconds: number): number {
  const off = utcOffsetSeconds * 1000;
  const server = new Date(monthStartUtc + off);
  return Date.UTC(server.getUTCFullYear(), server.getUTCMonth() + months, 1) - off;
}

function invalid(message: string): RejectedError {
  return new RejectedError('invalid_period', message);
}

function future(label: string): RejectedError {
  return new RejectedError('period_in_future', `${label} has not started yet on the broker's clock; pick a period that has.`);
}

/** A real calendar date `YYYY-MM-DD` → its 00:00 as a UTC-calendar timestamp, or null. */
function calendarDay(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : null;
}

function calendarMonth(text: string): number | null {
  const m = MONTH_RE.exec(text);
  if (m === null) return null;
  const [y, mo] = [Number(m[1]), Number(m[2])];
  if (mo < 1 || mo > 12 || y < 1970) return null;
  return Date.UTC(y, mo - 1, 1);
}

/**
 * The bounds of `period` at `nowMs` on a broker whose server time is UTC + `utcOffsetSeconds`.
 * @throws RejectedError `invalid_period` (0d, more than {@link MAX_PERIOD_DAYS} days, a date that does not exist) or
 *   `period_in_future` (a day or month that has not begun)
 */
export function periodBounds(period: ReportPeriod, nowMs: number, utcOffsetSeconds: number): PeriodBounds {
  const off = utcOffsetSeconds * 1000;
  const today = serverDayStart(nowMs, utcOffsetSeconds);
  const at = (fromMs: number | null, toMs: number, label: string): PeriodBounds => ({ fromMs, toMs, label, utcOffsetSeconds });
  switch (period.kind) {
    case 'today':
      return at(today, nowMs, 'today');
    case 'yesterday':
      return at(today - DAY_MS, today - 1, 'yesterday');
    case 'all':
      return at(null, nowMs, 'all history');
    case 'days': {
      if (!Number.isInteger(period.days) || period.days < 1 || period.days > MAX_PERIOD_DAYS) {
        throw invalid(`A number of days is between 1 and ${MAX_PERIOD_DAYS}, got ${String(period.days)}.`);
      }
      return at(today - (period.days - 1) * DAY_MS, nowMs, period.days === 1 ? 'today' : `last ${period.days} days`);
    }
    case 'date': {
      const day = calendarDay(period.date);
      if (day === null) throw invalid(`${period.date} is not a date (YYYY-MM-DD).`);
      const start = day - off;
      if (start > nowMs) throw future(period.date);
      return at(start, Math.min(nowMs, start + DAY_MS - 1), period.date);
    }
    case 'month': {
      const month = calendarMonth(period.month);
      if (month === null) throw invalid(`${period.month} is not a month (YYYY-MM).`);
      const start = month - off;
      if (start > nowMs) throw future(period.month);
      const end = addServerMonths(start, 1, utcOffsetSeconds);
      return at(start, Math.min(nowMs, end - 1), period.month);
    }
  }
}

/** Calendar unit of a period table. */
export type BucketUnit = 'day' | 'week' | 'month';

/** One row of a period table: [fromMs, toMs] in UTC ms, `toMs` inclusive (the last one ends now). */
export interface Bucket {
  label: string;
  fromMs: number;
  toMs: number;
}

/** Server-calendar text of a UTC instant: `YYYY-MM-DD`. */
export function serverDate(utcMs: number, utcOffsetSeconds: number): string {
  return new Date(utcMs + utcOffsetSeconds * 1000).toISOString().slice(0, 10);
}

/**
 * The last `count` days, weeks (Monday to Sunday) or months of the broker's calendar, oldest first, the current one
 * last and ending at `nowMs`. Consecutive buckets touch: every instant from the first start to now is in exactly one.
 */
export function buckets(unit: BucketUnit, count: number, nowMs: number, utcOffsetSeconds: number): Bucket[] {
  if (!Number.isInteger(count) || count < 1) throw invalid(`A number of ${unit}s is a whole number of at least 1, got ${String(count)}.`);
  const starts: number[] = [];
  if (unit === 'month') {
    const current = serverMonthStart(nowMs, utcOffsetSeconds);
    for (let i = count - 1; i >= 0; i--) starts.push(addServerMonths(current, -i, utcOffsetSeconds));
  } else {
    const step = unit === 'day' ? DAY_MS : 7 * DAY_MS;
    const current = unit === 'day' ? serverDayStart(nowMs, utcOffsetSeconds) : serverWeekStart(nowMs, utcOffsetSeconds);
    for (let i = count - 1; i >= 0; i--) starts.push(current - i * step);
  }
  return starts.map((fromMs, i) => {
    const next = starts[i + 1];
    const date = serverDate(fromMs, utcOffsetSeconds);
    const label = unit === 'month' ? date.slice(0, 7) : unit === 'week' ? `week of ${date}` : date;
    return { label, fromMs, toMs: next === undefined ? nowMs : next - 1 };
  });
}

/** The bucket holding `tMs`, by binary search over `list` (sorted, touching), or -1 outside them. */
export function bucketIndex(list: readonly Bucket[], tMs: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = list[mid] as Bucket;
    if (tMs < b.fromMs) hi = mid - 1;
    else if (tMs > b.toMs) lo = mid + 1;
    else return mid;
  }
  return -1;
}
