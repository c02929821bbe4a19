/**
 * Trading sessions (fxsocket-api.md §3.3): weekday rows in broker server time, `to: "24:00"` = end of day, several
 * rows a day or none. Time is a parameter: `serverTimeMs` is the broker's wall-clock time encoded as epoch
 * milliseconds (its UTC fields are the server's local fields), i.e. `Date.UTC(...)` of the server clock reading.
 */
import type { TradingSession } from './trading.js';

const MINUTE_MS = 60_000;
const DAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;

/** A session as minutes of the week: [start, end), Sunday 00:00 = 0. */
interface WeekInterval {
  start: number;
  end: number;
}

const WEEK_MIN = 7 * 1440;

function parseHm(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (m === null) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

function dayIndex(day: string): number {
  const d = day.trim().toUpperCase();
  return DAYS.findIndex((name) => name === d || name.slice(0, 3) === d);
}

/** Valid rows as week intervals. A row whose `to` is before its `from` wraps past midnight into the next day. */
function intervals(sessions: readonly TradingSession[]): WeekInterval[] {
  const out: WeekInterval[] = [];
  for (const row of sessions) {
    const day = dayIndex(row.day);
    const from = parseHm(row.from);
    const to = parseHm(row.to);
    if (day < 0 || from === null || to === null || from === to) continue;
    const start = day * 1440 + from;
    const end = day * 1440 + (to > from ? to : to + 1440);
    if (end <= WEEK_MIN) {
      out.push({ start, end });
    } else {
      // Saturday into Sunday: split at the end of the week.
      out.push({ start, end: WEEK_MIN }, { start: 0, end: end - WEEK_MIN });
    }
  }
  return out;
}

function minuteOfWeek(serverTimeMs: number): number {
  const d = new Date(serverTimeMs);
  return d.getUTCDay() * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
}

/**
 * True when the symbol trades at `serverTimeMs`. An empty `sessions` list means the bridge publishes none (older than
 * 0.10), read as "always open" so the broker stays the judge; rows that exist but none for now mean closed.
 */
export function isMarketOpen(sessions: readonly TradingSession[], serverTimeMs: number): boolean {
  if (sessions.length === 0) return true;
  const t = minuteOfWeek(serverTimeMs);
  return intervals(sessions).some((iv) => iv.start <= t && t < iv.end);
}

/**
 * The earliest time ≥ `serverTimeMs` at which the symbol trades (server-time epoch ms): `serverTimeMs` itself when open
 * now, the start of the next session otherwise, `null` when the rows never open.
 */
export function nextSessionOpen(sessions: readonly TradingSession[], serverTimeMs: number): number | null {
  if (isMarketOpen(sessions, serverTimeMs)) return serverTimeMs;
  const ivs = intervals(sessions);
  if (ivs.length === 0) return null;
  const t = minuteOfWeek(serverTimeMs);
  let best = Infinity;
  for (const iv of ivs) {
    const delta = iv.start > t ? iv.start - t : iv.start - t + WEEK_MIN;
    best = Math.min(best, delta);
  }
  const minuteStart = Math.floor(serverTimeMs / MINUTE_MS) * MINUTE_MS;
  return minuteStart + best * MINUTE_MS;
}

/** The end of the session open at `serverTimeMs` (joining back-to-back rows such as 24:00 → 00:00), or `null`. */
export function sessionCloseTime(sessions: readonly TradingSession[], serverTimeMs: number): number | null {
  if (sessions.length === 0 || !isMarketOpen(sessions, serverTimeMs)) return null;
  const ivs = intervals(sessions);
  let t = minuteOfWeek(serverTimeMs);
  let advanced = 0;
  // Walk forward through touching intervals; a market open all week has no close.
  for (;;) {
    const here = t % WEEK_MIN;
    const cover = ivs.filter((iv) => iv.start <= here && here < iv.end);
    if (cover.length === 0) break;
    const end = Math.max(...cover.map((iv) => iv.end));
    advanced += end - here;
    t = end;
    if (advanced >= WEEK_MIN) return null;
  }
  const minuteStart = Math.floor(serverTimeMs / MINUTE_MS) * MINUTE_MS;
  return minuteStart + advanced * MINUTE_MS;
}
