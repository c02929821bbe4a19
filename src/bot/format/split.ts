/**
 * Splitting long messages under Telegram's 4096-character limit. Splits happen on line boundaries (formatters keep
 * tags balanced per line); a single line longer than the limit is turned into plain escaped text and cut between
 * characters, never inside an entity. Lengths are measured on the HTML source, which is never shorter than the text
 * Telegram counts, so every chunk is within the limit.
 */
import { escapeHtml, htmlToText } from './html.js';

export const TELEGRAM_TEXT_LIMIT = 4096;

function cutPlain(line: string, limit: number): string[] {
  const plain = htmlToText(line);
  const out: string[] = [];
  let current = '';
  for (const ch of plain) {
    const piece = escapeHtml(ch);
    if (current.length + piece.length > limit) {
      out.push(current);
      current = '';
    }
    current += piece;
  }
  if (current !== '') out.push(current);
  return out;
}

export function splitMessage(html: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  if (html.length <= limit) return [html];
  const chunks: string[] = [];
  let current = '';
  const push = (): void => {
    if (current !== '') chunks.push(current);
    current = '';
  };
  for (const line of html.split('\n')) {
    if (line.length > limit) {
      push();
      chunks.push(...cutPlain(line, limit));
      continue;
    }
    const next = current === '' ? line : `${current}\n${line}`;
    if (next.length > limit) {
      push();
      current = line;
    } else {
      current = next;
    }
  }
  push();
  return chunks.filter((c) => c.trim() !== '');
}
