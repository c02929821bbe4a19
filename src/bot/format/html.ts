/**
 * HTML for Telegram's `parse_mode: 'HTML'`: escaping of user and broker strings, a few tags, and the reverse
 * (plain text for the console). Every formatter keeps tags balanced within a line, so messages can be split on line
 * boundaries without breaking markup.
 */

/** Escapes the three characters Telegram's HTML parser treats specially. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const b = (text: string): string => `<b>${escapeHtml(text)}</b>`;
export const i = (text: string): string => `<i>${escapeHtml(text)}</i>`;
export const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;

/** Turns Telegram HTML into plain text: tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}
