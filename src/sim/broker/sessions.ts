import type { TradingSession } from '../types.js';

const DAYS: readonly TradingSession['day'][] = [
  'SUNDAY',
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
];

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * Whether the market is open at a broker-server-time instant (epoch ms whose UTC fields are the broker's wall
 * clock). An empty list means the symbol publishes no sessions, which the simulator treats as always open.
 */
export function isSessionOpen(sessions: readonly TradingSession[], brokerMs: number): boolean {
  if (sessions.length === 0) return true;
  const d = new Date(brokerMs);
  const day = DAYS[d.getUTCDay()];
  const m = d.getUTCHours() * 60 + d.getUTCMinutes();
  for (const s of sessions) {
    if (s.day === day && m >= minutes(s.from) && m < minutes(s.to)) return true;
  }
  return false;
}

/** Builds rows for several weekdays with the same windows. */
export function weekly(days: readonly TradingSession['day'][], windows: ReadonlyArray<[string, string]>): TradingSession[] {
  const out: TradingSession[] = [];
  for (const day of days) for (const [from, to] of windows) out.push({ day, from, to });
  return out;
}

/** Forex 24/5 in broker time: Monday 00:00 to Friday 23:55. */
export const FOREX_SESSIONS: TradingSession[] = [
  ...weekly(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY'], [['00:00', '24:00']]),
  { day: 'FRIDAY', from: '00:00', to: '23:55' },
];

/** Metals: daily one-hour break at 00:00 broker time (as most MT5 brokers run gold). */
export const METAL_SESSIONS: TradingSession[] = [
  ...weekly(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY'], [['01:00', '24:00']]),
  { day: 'FRIDAY', from: '01:00', to: '23:55' },
];

/** US index CFDs: closed at night in broker time (23:15 to 01:00) and at weekends. */
export const US_INDEX_SESSIONS: TradingSession[] = [
  ...weekly(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY'], [['01:00', '23:15']]),
  { day: 'FRIDAY', from: '01:00', to: '23:00' },
];

/** European index CFDs: 03:15 to 23:00 broker time on weekdays. */
export const EU_INDEX_SESSIONS: TradingSession[] = weekly(
  ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
  [['03:15', '23:00']],
);

/** Always open (crypto-style); also what an empty list means. */
export const ALWAYS_OPEN: TradingSession[] = weekly(DAYS, [['00:00', '24:00']]);
