/**
 * Exact decimal arithmetic for money bounds. A number is read as the decimal its shortest round-trip text shows
 * (`1.08512` is 108512 / 10^5, not the nearest binary fraction), held as a bigint over a power of ten, so sums and
 * products of prices, lots and tick values carry no float drift. Money ends up in integer minor units (hundredths of
 * the account currency), rounded in the direction the caller asks for.
 */

/** `units / 10^scale`, exactly. */
export interface Decimal {
  units: bigint;
  scale: number;
}

/** Hundredths of the account currency per unit: the minor unit money bounds are counted in. */
export const MINOR_PER_UNIT = 100n;

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * The decimal a finite number's shortest round-trip text spells (`String(x)`, exponent notation included).
 * @throws RangeError for NaN or ±Infinity
 */
export function decimalOf(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  const m = DECIMAL_TEXT.exec(String(Math.abs(x)));
  if (m === null) throw new RangeError(`unexpected number text: ${String(x)}`);
  const fraction = m[2] ?? '';
  const exponent = Number(m[3] ?? '0');
  let units = BigInt(`${m[1] ?? '0'}${fraction}`);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: x < 0 ? -units : units, scale };
}

/** `a` and `b` over the same power of ten. */
function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

/** `a − b`, exactly. */
export function subtract(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return { units: x - y, scale };
}

/** `⌈n / d⌉` for `d > 0`. */
export function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d > 0n ? q + 1n : q;
}

/** `⌊n / d⌋` for `d > 0`. */
export function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d < 0n ? q - 1n : q;
}

/** A money amount in minor units, rounded up (`ceil`) or down (`floor`). */
export function toMinor(x: number, rounding: 'ceil' | 'floor'): bigint {
  const d = decimalOf(x);
  const n = d.units * MINOR_PER_UNIT;
  const den = 10n ** BigInt(d.scale);
  return rounding === 'ceil' ? ceilDiv(n, den) : floorDiv(n, den);
}

/** Minor units as an amount of the account currency (exact for any sum a budget holds: below 2^53 minor units). */
export function fromMinor(minor: bigint): number {
  return Number(minor) / Number(MINOR_PER_UNIT);
}
