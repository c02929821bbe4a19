/**
 * The report commands (/profit, /daily, /weekly, /monthly, /performance, /quality) through the real bot, the real
 * engine and the simulator: the replies carry the simulator's numbers, owners see only their followers, and bad
 * input gets one clear reply and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtMinor } from '../../../src/bot/format/reports.js';
import { ADMIN, OWNER, startWorldWithHistory, telegramHtmlProblems, texts, VIEWER } from './harness.js';
import type { EngineWorld, Harness } from './harness.js';

const MAGIC = 20_260_601;
let world: EngineWorld;
let h: Harness;

const cents = (x: number): number => Math.round(x * 100);

/** What the simulator's books say a follower's copies made (its closed positions carrying the copier's magic). */
function bookCents(f: 'apex' | 'mt4'): number {
  return world.sim
    .account(world.ids[f])
    .positionHistory()
    .filter((r) => r.magic === MAGIC)
    .reduce((t, r) => t + cents(r.profit) + cents(r.swap) + cents(r.commission), 0);
}

beforeAll(async () => {
  ({ world, h } = await startWorldWithHistory());
}, 40_000);
afterAll(async () => world?.close());

/** Every reply text to a command, each checked for what Telegram's HTML parser would refuse. */
async function replies(userId: number, text: string): Promise<string[]> {
  const out = texts(await h.send(userId, text), userId);
  for (const t of out) expect(telegramHtmlProblems(t), t).toEqual([]);
  return out;
}

async function reply(userId: number, text: string): Promise<string> {
  const out = await replies(userId, text);
  expect(out, `${text} → ${JSON.stringify(out)}`).toHaveLength(1);
  return out[0] as string;
}

describe('/profit', () => {
  it('shows the follower’s realized P&L as the broker booked it, and the master on the same trades', async () => {
    const text = await reply(ADMIN, '/profit apex-follower 7d');
    expect(text).toContain(`Realized: <b>${fmtMinor(bookCents('apex'), 2)} USD</b> on 2 closed trades`);
    expect(text).toContain('last 7 days');
    expect(text).toContain('(broker days in server time, UTC+3)');
    expect(text).toContain('Master <b>master</b> on the same trades:');
    expect(text).toContain('Master at your size:');
  });

  it('reports every visible follower, one message each; an owner gets only theirs', async () => {
    const all = await replies(VIEWER, '/profit');
    expect(all).toHaveLength(3);
    expect(all.find((t) => t.includes('mt4-follower'))).toContain(`${fmtMinor(bookCents('mt4'), 2)} GBP`);
    expect(all.find((t) => t.includes('raw-follower'))).toContain('No closed copies in this period.');
    const mine = await replies(OWNER, '/profit all');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toContain('apex-follower');
    expect(await reply(OWNER, '/profit mt4-follower')).toContain('not one of your followers');
  });

  it('refuses bad input with one clear reply and changes nothing', async () => {
    const before = JSON.stringify(world.store.data);
    expect(await reply(ADMIN, '/profit banana')).toContain("'banana' is neither a period");
    expect(await reply(ADMIN, '/profit apex-follower 2099-01-01')).toContain('2099-01-01 has not started yet');
    expect(await reply(ADMIN, '/profit apex-follower 2026-02-30')).toContain('2026-02-30 is not a date');
    expect(await reply(ADMIN, '/profit apex-follower 7d extra')).toContain('too many arguments');
    expect(await reply(ADMIN, '/profit 7d 30d')).toContain('two periods');
    expect(await reply(ADMIN, '/profit apex-follower 0d')).toContain('between 1 and 3650');
    expect(await reply(ADMIN, '/profit master')).toContain('master is not a follower');
    expect(await reply(ADMIN, '/profit all 2099-01')).toContain('2099-01 has not started yet');
    expect(JSON.stringify(world.store.data)).toBe(before);
  });
});

describe('/daily, /weekly, /monthly', () => {
  it('one row per server day with the master beside it; the rows sum to the total', async () => {
    const text = await reply(ADMIN, '/daily 3 apex-follower');
    const lines = text.split('\n').filter((l) => l.startsWith('<code>'));
    expect(lines).toHaveLength(1 + 3 + 1);
    expect(lines.at(-1)).toContain(fmtMinor(bookCents('apex'), 2));
    expect(lines.at(-1)).toMatch(/^<code>total\s+2\s/);
    expect(await reply(ADMIN, '/weekly apex-follower')).toContain('by week');
    expect(await reply(ADMIN, '/monthly 2 apex-follower')).toContain('by month');
  });

  it('refuses a count out of range or twice, and says so', async () => {
    expect(await reply(ADMIN, '/daily 61')).toContain('n must be a whole number from 1 to 60');
    expect(await reply(ADMIN, '/weekly 27')).toContain('from 1 to 26');
    expect(await reply(ADMIN, '/daily 3 4')).toContain('two counts');
    expect(await reply(ADMIN, '/daily banana')).toContain('is neither a count nor an account');
  });
});

describe('/performance and /quality', () => {
  it('per master symbol, and the copy quality figures', async () => {
    const perf = await reply(ADMIN, '/performance apex-follower');
    expect(perf).toMatch(/<code>EURUSD\s+2\s/);
    const quality = await reply(ADMIN, '/quality apex-follower 7d');
    expect(quality).toContain('Against the master on 2 trades at your size');
    expect(quality).toContain('slippage at the open');
    expect(quality).toContain('Latency, master fill → your fill');
    expect(await reply(ADMIN, '/quality raw-follower')).toContain('No closed copies and no skipped master trades');
  });
});
