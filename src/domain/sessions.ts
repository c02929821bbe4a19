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

/** The intervals last computed for a sessions list, with the row values they were computed from. */
interface Computed {
  rows: readonly TradingSession[];
  fields: string[];
  ivs: readonly WeekInterval[];
}

/**
 * Intervals per sessions list: a follower's spec keeps the same list for every event it plans, and parsing it (three
 * regexes and a few strings per row) was a measurable share of planning 1,000 followers. A hit is used only when the
 * list still holds the same rows with the same values, so a list changed in place is computed again.
 */
const computed = new WeakMap<readonly TradingSession[], Computed>();

function sameRows(c: Computed, sessions: readonly TradingSession[]): boolean {
  if (c.rows.length !== sessions.length) return false;
  for (let i = 0; i < sessions.length; i++) {
    const row = sessions[i] as TradingSession;
    if (row !== c.rows[i] || row.day !== c.fields[3 * i] || row.from !== c.fields[3 * i + 1] || row.to !== c.fields[3 * i + 2]) return false;
  }
  return true;
}

/** The list asked about last and what was computed for it: a planning pass asks about the same list again and again. */
let lastList: readonly TradingSession[] | null = null;
let lastComputed: Computed | null = null;

/** {@link computeIntervals}, remembered per list (see `computed`). Callers must not change the result. */
function intervals(sessions: readonly TradingSession[]): readonly WeekInterval[] {
  const hit = sessions === lastList ? lastComputed : computed.get(sessions);
  if (hit != null && sameRows(hit, sessions)) {
    lastList = sessions;
    lastComputed = hit;
    return hit.ivs;
  }
  const ivs = computeIntervals(sessions);
  const fields: string[] = [];
  for (const row of sessions) fields.push(row.day, row.from, row.to);
  const entry: Computed = { rows: [...sessions], fields, ivs };
  computed.set(sessions, entry);
  lastList = sessions;
  lastComputed = entry;
  return ivs;
}

/** Valid rows as week intervals. A row whose `to` is before its `from` wraps past midnight into the next day. */
function computeIntervals(sessions: readonly TradingSession[]): WeekInterval[] {
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

const DAY_MS = 86_400_000;
/** Largest magnitude of a valid `Date` time value (beyond it a `Date` is invalid and its fields NaN). */
const MAX_TIME_MS = 8.64e15;

/** `getUTCDay() * 1440 + getUTCHours() * 60 + getUTCMinutes()` of `new Date(serverTimeMs)`, without the Date. */
function minuteOfWeek(serverTimeMs: number): number {
  if (!(Math.abs(serverTimeMs) <= MAX_TIME_MS)) return Number.NaN;
  const ms = Math.trunc(serverTimeMs) + 0;
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday (day 4 of a week that starts on Sunday).
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday * 1440 + Math.floor((ms - day * DAY_MS) / MINUTE_MS);
}

/**
 * True when the symbol trades at `serverTimeMs`. An empty `sessions` list means the bridge publishes none (older than
 * 0.10), read as "always open" so the broker stays the judge; rows that exist but none for now mean closed.
 */
export function isMarketOpen(sessions: readonly TradingSession[], serverTimeMs: number): boolean {
  if (sessions.length === 0) return true;
  const t = minuteOfWeek(serverTimeMs);
  for (const iv of intervals(sessions)) if (iv.start <= t && t < iv.end) return true;
  return false;
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
