/**
 * Money in integer minor units of an account's currency (`currencyDigits` decimals: cents for USD, yen for JPY).
 * Brokers report every amount already rounded to those digits, so reading the decimal a number's shortest text spells
 * and scaling it is exact; every sum is then an integer sum, the same in any order.
 */

/** An amount in minor units: `minor / 10^digits` of the currency. Always a safe integer. */
export type Minor = number;

const NUMBER_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * The amount `value` in minor units of a currency with `digits` decimals, rounded half away from zero (a broker value
 * is already on that grid, so nothing is rounded in practice).
 * @throws RangeError for a value that is not finite or whose minor units are not a safe integer
 */
export function toMinor(value: number, digits: number): Minor {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  if (!Number.isInteger(digits) || digits < 0 || digits > 8) throw new RangeError(`currency digits must be 0..8, got ${digits}`);
  const m = NUMBER_TEXT.exec(String(Math.abs(value)));
  if (m === null) throw new RangeError(`unexpected number text: ${String(value)}`);
  const digitsText = `${m[1] ?? '0'}${m[2] ?? ''}`;
  // The decimal point sits `point` characters into `digitsText`; move it `digits` places right.
  const point = (m[1] ?? '0').length + Number(m[3] ?? '0') + digits;
  const padded = point > digitsText.length ? digitsText.padEnd(point, '0') : digitsText;
  const whole = point <= 0 ? '0' : padded.slice(0, point);
  const firstDropped = point < 0 ? '0' : (padded[point] ?? '0');
  let units = BigInt(whole);
  if (firstDropped >= '5') units += 1n;
  const signed = value < 0 ? -units : units;
  const out = Number(signed);
  if (!Number.isSafeInteger(out)) throw new RangeError(`amount too large: ${value}`);
  return out === 0 ? 0 : out;
}

/** The exact sum of minor amounts. @throws RangeError when it leaves the safe-integer range */
export function sumMinor(values: Iterable<Minor>): Minor {
  let total = 0;
  for (const v of values) total += v;
  if (!Number.isSafeInteger(total)) throw new RangeError('sum of amounts is too large');
  return total;
}

/** Minor units as a plain decimal text: `-1234.5` with digits 2 → `-1234.50`. Never goes through a float. */
export function minorToDecimal(minor: Minor, digits: number): string {
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Minor units as a number of currency units, for charts only (a float: never summed again). */
export function minorToNumber(minor: Minor, digits: number): number {
  return Number(minorToDecimal(minor, digits));
}

/** `amount × factor` rounded to minor units (half away from zero): a conversion, rounded once per trade. */
export function scaleMinor(amount: Minor, factor: number): Minor {
  const raw = amount * factor;
  if (!Number.isFinite(raw)) throw new RangeError(`cannot scale ${amount} by ${factor}`);
  const rounded = Math.sign(raw) * Math.round(Math.abs(raw));
  return rounded === 0 ? 0 : rounded;
}
