/**
 * Reads an account's history (`/PositionHistory`, `/OrderHistory`) for a UTC range, always with `from`/`to` and in
 * windows of at most `windowMs`, so years of history arrive in bounded chunks and never as one unbounded call
 * (fxsocket-api.md §3.1 warns what unbounded history calls do).
 *
 * The bounds are sent as terminal times (server time with the cosmetic `Z`, as the rows carry them). Which clock the
 * server reads them in is not documented, so the requested range is widened by the server's UTC offset on both sides
 * and every row is kept or dropped by its own time converted to UTC: either reading returns every row of the range.
 *
 * "All history" walks back from the end window by window and stops after `stopAfterEmpty` empty windows in a row
 * (the account's history has begun by then) or `maxSpanMs` before the end.
 */
import { utcToServerTime } from '../../domain/performance/closed-positions.js';

/** How history is paged. */
export interface HistoryPaging {
  /** Longest window one request covers. */
  windowMs: number;
  /** "All history": empty windows in a row after which the walk back stops. */
  stopAfterEmpty: number;
  /** "All history": the walk back never goes further than this before the end. */
  maxSpanMs: number;
}

const DAY_MS = 86_400_000;

/** 30-day windows; "all" stops after 90 empty days or ten years. */
export const DEFAULT_PAGING: Readonly<HistoryPaging> = Object.freeze({ windowMs: 30 * DAY_MS, stopAfterEmpty: 3, maxSpanMs: 3653 * DAY_MS });

/** One request's bounds: UTC ms, both inclusive. */
export interface HistoryWindow {
  fromMs: number;
  toMs: number;
}

/** A UTC range; `fromMs` null = all history. */
export interface HistoryRange {
  fromMs: number | null;
  toMs: number;
}

/**
 * The windows that cover [fromMs, toMs] widened by |offset| on both sides, oldest first, each at most `windowMs` long;
 * consecutive windows touch without overlapping (a row is returned once).
 */
export function forwardWindows(fromMs: number, toMs: number, utcOffsetSeconds: number, windowMs: number): HistoryWindow[] {
  if (!(windowMs >= 1000)) throw new RangeError(`history window must be at least a second, got ${windowMs}`);
  const widen = Math.abs(utcOffsetSeconds) * 1000;
  const start = fromMs - widen;
  const end = toMs + widen;
  const out: HistoryWindow[] = [];
  for (let s = start; s <= end; s += windowMs) out.push({ fromMs: s, toMs: Math.min(end, s + windowMs - 1) });
  return out;
}

/** What a read returned. */
export interface HistoryRead<T> {
  /** Rows whose own time is inside the range, in the order the windows returned them (oldest window first). */
  rows: T[];
  /** Requests sent. */
  requests: number;
}

/** A terminal history call with terminal-time bounds. */
export type HistoryFetch<T> = (range: { from: string; to: string }) => Promise<T[]>;

/**
 * Reads `range` through `fetch`, window by window. `timeOf` gives a row's UTC time (null = unreadable: dropped).
 * `schedule` runs each request (a limiter); default: at once.
 */
export async function readHistory<T>(
  fetch: HistoryFetch<T>,
  timeOf: (row: T) => number | null,
  range: HistoryRange,
  utcOffsetSeconds: number,
  paging: HistoryPaging = DEFAULT_PAGING,
  schedule: <R>(task: () => Promise<R>) => Promise<R> = (task) => task(),
): Promise<HistoryRead<T>> {
  const call = (w: HistoryWindow) => schedule(() => fetch({ from: utcToServerTime(w.fromMs, utcOffsetSeconds), to: utcToServerTime(w.toMs, utcOffsetSeconds) }));
  const keep = (row: T): boolean => {
    const t = timeOf(row);
    return t !== null && (range.fromMs === null || t >= range.fromMs) && t <= range.toMs;
  };
  if (range.fromMs !== null) {
    const rows: T[] = [];
    const windows = forwardWindows(range.fromMs, range.toMs, utcOffsetSeconds, paging.windowMs);
    for (const w of windows) for (const row of await call(w)) if (keep(row)) rows.push(row);
    return { rows, requests: windows.length };
  }
  const chunks: T[][] = [];
  const widen = Math.abs(utcOffsetSeconds) * 1000;
  const end = range.toMs + widen;
  const floor = range.toMs - paging.maxSpanMs;
  let empty = 0;
  let requests = 0;
  for (let e = end; e >= floor && empty < paging.stopAfterEmpty; e -= paging.windowMs) {
    const got = await call({ fromMs: e - paging.windowMs + 1, toMs: e });
    requests++;
    empty = got.length === 0 ? empty + 1 : 0;
    chunks.unshift(got.filter(keep));
  }
  return { rows: chunks.flat(), requests };
}
