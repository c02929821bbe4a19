import { describe, expect, it } from 'vitest';
import { classifyLeg, formatConnection, formatCopied, formatDailySummary, formatReconciled, legLine } from '../../../src/bot/format/events.js';
import { escapeHtml, htmlToText } from '../../../src/bot/format/html.js';
import { fmtDuration, fmtLots, fmtMoney, fmtPoints, fmtPrice } from '../../../src/bot/format/numbers.js';
import { reasonHtml } from '../../../src/bot/format/reasons.js';
import { splitMessage } from '../../../src/bot/format/split.js';
import { formatPreview } from '../../../src/bot/format/views.js';
import { copied, leg } from './fixtures.js';

describe('numbers', () => {
  it('formats lots, prices, money, points, durations', () => {
    expect(fmtLots(0.01)).toBe('0.01');
    expect(fmtLots(1)).toBe('1.00');
    expect(fmtLots(0.015)).toBe('0.015');
    expect(fmtLots(0.1 + 0.2)).toBe('0.30');
    expect(fmtPrice(1.08512)).toBe('1.08512');
    expect(fmtPrice(2350.5)).toBe('2350.50');
    expect(fmtMoney(1234.5)).toBe('+1,234.50');
    expect(fmtMoney(-20)).toBe('−20.00');
    expect(fmtPoints(1.5)).toBe('+1.5 pts');
    expect(fmtPoints(-0.3)).toBe('−0.3 pts');
    expect(fmtDuration(84)).toBe('84 ms');
    expect(fmtDuration(1500)).toBe('1.5 s');
    expect(fmtDuration(185_000)).toBe('3 min');
    expect(fmtDuration(3_900_000)).toBe('1 h 5 min');
  });
});

describe('html', () => {
  it('escapes broker and user strings and converts back to text', () => {
    expect(escapeHtml('<b>A&B</b>')).toBe('&lt;b&gt;A&amp;B&lt;/b&gt;');
    expect(htmlToText('<b>x</b> &lt;y&gt; &amp;amp;')).toBe('x <y> &amp;');
  });
});

describe('events', () => {
  it('one copied message lists every leg with lot, price, slippage and latency', () => {
    const text = formatCopied(copied([leg(), leg({ followerId: 'f2', followerName: 'Beta', volume: 0.3, price: 1.0852, slippagePoints: -0.2, latencyMs: 120, ticket: 6001 })]), [
      leg(),
      leg({ followerId: 'f2', followerName: 'Beta', volume: 0.3, price: 1.0852, slippagePoints: -0.2, latencyMs: 120, ticket: 6001 }),
    ]);
    expect(text).toContain('<b>Master &lt;One&gt;</b> BUY 0.37 EURUSD @ 1.0851 · open #777');
    expect(text).toContain('✅ <b>Alpha</b>: filled — 0.37 EURUSDm @ 1.08512 · slip +1.5 pts · 84 ms · #5001');
    expect(text).toContain('✅ <b>Beta</b>: filled — 0.30 EURUSDm @ 1.0852 · slip −0.2 pts · 120 ms · #6001');
    expect(text).toContain('⏱ 245 ms');
  });

  it('rejections carry the numbers', () => {
    const margin = legLine(leg({ status: 'skipped', reason: 'insufficient_margin', detail: { required: 4320.5, free: 2700 }, price: null, ticket: null }));
    expect(margin).toContain('insufficient margin (margin required 4,320.50 &gt; free 2,700.00)');
    const min = legLine(leg({ status: 'skipped', reason: 'below_min_volume', detail: { lots: 0.004, min: 0.01 } }));
    expect(min).toContain('below the minimum lot (computed 0.004 &lt; min 0.01)');
    const sym = legLine(leg({ followerName: 'Gamma', status: 'skipped', reason: 'symbol_not_found', detail: { symbol: 'US30', server: 'ClassicFX-Live' } }));
    expect(sym).toContain('<b>Gamma</b>: skipped — symbol not found (US30 at ClassicFX-Live)');
    const broker = legLine(leg({ status: 'rejected', reason: 'no_money', retcode: 10019, detail: { message: 'No money', required: 427.17, free: 2911.73 } }));
    expect(broker).toContain('rejected — no money (margin required 427.17 vs free 2,911.73)');
    expect(broker).toContain('retcode 10019');
    expect(reasonHtml('some_new_code', { a: 1 })).toBe('some new code (a 1)');
    expect(reasonHtml('volume_rounded,rounded_up_to_min', { from: 0.06003, to: 0.1, step: 0.1, min: 0.1, message: 'Request executed' })).toBe(
      'rounded down to the step, rounded up to the minimum lot (0.06003 → 0.1 lots, step 0.1, min 0.1)',
    );
    expect(reasonHtml('market_closed', { symbol: 'XAUUSD.raw', nextOpen: Date.UTC(2026, 10, 24, 1, 0, 0) })).toBe(
      'market closed (symbol XAUUSD.raw, nextOpen 2026-11-24 01:00:00 UTC)',
    );
  });

  it('classifies legs: executed ok, configured skips routine, problems loud', () => {
    expect(classifyLeg(leg())).toBe('ok');
    expect(classifyLeg(leg({ status: 'skipped', reason: 'symbol_denied' }))).toBe('routine');
    expect(classifyLeg(leg({ status: 'skipped', reason: 'insufficient_margin' }))).toBe('problem');
    expect(classifyLeg(leg({ status: 'rejected' }))).toBe('problem');
    expect(classifyLeg(leg({ status: 'unknown' }))).toBe('problem');
  });

  it('connection restored names the outage; reports and summaries read well', () => {
    const at = Date.UTC(2025, 0, 6, 12, 3, 0);
    expect(formatConnection({ type: 'connection', at, accountId: 'a', accountName: 'Alpha', role: 'follower', state: 'restored', downMs: 180_000 })).toBe(
      '✅ <b>Alpha</b> (follower) terminal stream restored at 12:03:00 UTC after 3 min (lost at 12:00:00).',
    );
    const report = { dryRun: false, followers: [{ followerId: 'f', followerName: 'Alpha', actions: [{ kind: 'close_orphan' as const, masterId: 'm', masterTicket: 7, followerTicket: 9, symbol: 'EURUSD', volume: 0.1, note: 'master closed', result: 'done' as const }] }] };
    expect(formatReconciled({ type: 'reconciled', at, trigger: 'connect', report, changed: true }, report)).toContain('• close orphan EURUSD 0.10 (master #7 → #9) · done — master closed');
    expect(formatReconciled({ type: 'reconciled', at, trigger: 'timer', report: { dryRun: false, followers: [] }, changed: false }, { dryRun: false, followers: [] })).toContain('all copies in sync');
    const daily = formatDailySummary({ type: 'daily_summary', at, day: '2025-01-05', rows: [] }, [
      { followerId: 'a', followerName: 'A', copied: 3, skipped: 1, rejected: 0, profit: 12.5 },
      { followerId: 'b', followerName: 'B', copied: 2, skipped: 0, rejected: 1, profit: -2 },
    ]);
    expect(daily).toContain('Total: 5 copied, 1 skipped, 1 rejected, P/L +10.50');
  });

  it('previews show lots, rounding and skips', () => {
    const text = formatPreview([
      { masterTicket: 1, symbol: 'EURUSD', followerSymbol: 'EURUSD.raw', side: 'buy', masterVolume: 0.37, volume: 0.3, rawVolume: 0.37, rounded: true, skipped: null, reasons: ['volume_rounded'] },
      { masterTicket: 2, symbol: 'US30', followerSymbol: null, side: 'sell', masterVolume: 1, volume: null, rawVolume: null, rounded: false, skipped: 'symbol_not_found', reasons: [] },
    ]);
    expect(text).toContain('#1 BUY 0.37 EURUSD→EURUSD.raw → <b>0.30</b> (raw 0.37, rounded)');
    expect(text).toContain('#2 SELL 1.00 US30 → ⏭ skipped: symbol not found');
    expect(text).toContain('1 of 2 would be skipped.');
  });
});

describe('split', () => {
  it('keeps short messages whole and splits long ones on lines under the limit', () => {
    expect(splitMessage('short')).toEqual(['short']);
    const lines = Array.from({ length: 300 }, (_, i) => `<b>line ${i}</b> ${'x'.repeat(20)}`);
    const chunks = splitMessage(lines.join('\n'));
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(4096);
    expect(chunks.join('\n')).toBe(lines.join('\n'));
    for (const c of chunks) expect((c.match(/<b>/g) ?? []).length).toBe((c.match(/<\/b>/g) ?? []).length);
  });

  it('cuts a single overlong line as plain text without breaking entities', () => {
    const chunks = splitMessage(`<b>${'&amp;'.repeat(2000)}</b>`, 100);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(100);
      expect(c).not.toMatch(/&(?!amp;)/);
    }
    expect(chunks.map(htmlToText).join('')).toBe('&'.repeat(2000));
  });
});
