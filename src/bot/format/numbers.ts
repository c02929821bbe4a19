/** Number, time and id formatting shared by every message. Pure: "now" is always a parameter. */

function trimTo(value: number, maxDecimals: number, minDecimals: number): string {
  if (!Number.isFinite(value)) return String(value);
  let text = value.toFixed(maxDecimals);
  if (text.includes('.')) {
    text = text.replace(/0+$/, '');
    const decimals = text.length - text.indexOf('.') - 1;
    if (decimals < minDecimals) text += '0'.repeat(minDecimals - decimals);
    text = text.replace(/\.$/, '');
  }
  return text === '-0' ? '0' : text;
}

/** Lots: at least two decimals, up to three (0.01 → "0.01", 0.015 → "0.015", 1 → "1.00"). */
export function fmtLots(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : trimTo(value, 3, 2);
}

/** Prices: up to five decimals, trailing zeros trimmed to two. */
export function fmtPrice(value: number | null | undefined): string {
  return value === null || value === undefined || value === 0 ? '—' : trimTo(value, 5, 2);
}

/** Money with sign and thousands separators: +1,234.50. */
export function fmtMoney(value: number | null | undefined, signed = true): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = value < 0 ? '−' : signed && value > 0 ? '+' : '';
  return `${sign}${abs}`;
}

/** Any plain number, up to `max` decimals. */
export function fmtNum(value: number | null | undefined, max = 4): string {
  return value === null || value === undefined ? '—' : trimTo(value, max, 0);
}

/** Points of slippage, worse positive: "+1.5 pts", "−0.3 pts". */
export function fmtPoints(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const text = trimTo(Math.abs(value), 1, 0);
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${text} pts`;
}

/** A duration: 45 ms, 1.2 s, 3 min, 2 h 5 min, 3 d. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${trimTo(v / 1000, v < 10_000 ? 1 : 0, 0)} s`;
  if (v < 3_600_000) return `${Math.floor(v / 60_000)} min`;
  if (v < 86_400_000) {
    const h = Math.floor(v / 3_600_000);
    const m = Math.floor((v % 3_600_000) / 60_000);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  return `${Math.floor(v / 86_400_000)} d`;
}

/** How long ago: "12 s ago", or "never". */
export function fmtAge(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return 'never';
  return `${fmtDuration(now - at)} ago`;
}

/** UTC time of day, HH:MM:SS. */
export function fmtClock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/** UTC date and time: 2024-05-01 12:00:01 UTC. */
export function fmtDateTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The first eight characters of an account id (enough to resolve it again). */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}
