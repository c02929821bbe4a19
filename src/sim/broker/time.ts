/**
 * Broker-server-time strings: the broker's wall clock rendered as ISO-8601 with a cosmetic `Z` (§3.1).
 */
export function brokerTimeString(utcMs: number, utcOffsetSeconds: number): string {
  return new Date(utcMs + utcOffsetSeconds * 1000).toISOString();
}

/**
 * Parses a `from`/`to`/`expiration` bound given in broker time (the contract leaves the clock undocumented;
 * the simulator reads bounds as broker time). Returns UTC ms, or undefined when unparseable.
 */
export function parseBrokerTime(raw: string, utcOffsetSeconds: number): number | undefined {
  const s = /[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms - utcOffsetSeconds * 1000 : undefined;
}

/** Rounds a price to `digits` decimals. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Money rounded to cents, the precision every account currency in the simulator uses. */
export function money(x: number): number {
  return Math.round(x * 100) / 100;
}
