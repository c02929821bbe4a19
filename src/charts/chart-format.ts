/** Number formatting for chart labels, with the chat's conventions (a true minus sign, thousands separators). */

/** Money with sign, two decimals and thousands separators: +1,234.50, −12.00, 0.00. */
export function chartMoney(value: number): string {
  const text = groupThousands(Math.abs(value).toFixed(2));
  if (text === '0.00') return text;
  return `${value < 0 ? '−' : '+'}${text}`;
}

/** A plain number with up to `maxDecimals` decimals, trailing zeros trimmed, a true minus sign: 45, 1.5, −0.25. */
export function chartNumber(value: number, maxDecimals = 2): string {
  let text = Math.abs(value).toFixed(maxDecimals);
  if (text.includes('.')) text = text.replace(/\.?0+$/, '');
  if (/^[0.]*$/.test(text)) return '0';
  return `${value < 0 ? '−' : ''}${groupThousands(text)}`;
}

function groupThousands(unsigned: string): string {
  const [whole = '', fraction] = unsigned.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** A time-axis tick in UTC: the date at midnight ("4 Mar"), the time of day otherwise ("14:30"). */
export function utcTickLabel(tMs: number): string {
  const at = new Date(tMs);
  const hours = at.getUTCHours();
  const minutes = at.getUTCMinutes();
  if (hours === 0 && minutes === 0) return `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]}`;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}
