/**
 * The outbox with a Telegram that does not answer at all, then comes back (own file: a fresh process).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier } from '../../../src/bot/notifier.js';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import { setup, teardown, textsTo } from './outbox-rig.js';
import { chatUser, waitFor } from './harness.js';
import { copied, leg } from './fixtures.js';

afterEach(teardown);

describe('outbox with a Telegram that does not answer', () => {
  it('notify stays O(1), memory stays bounded, alerts arrive later in order, collapses are counted and logged', async () => {
    const { server: s, outbox: o, log } = await setup({ sendTimeoutMs: 150, maxQueuePerChat: 50, maxAttempts: 1000, baseBackoffMs: 20, maxBackoffMs: 100 });
    s.setHandler(() => 'hang');
    const users = createMemoryUsers([chatUser(1, 'admin'), chatUser(2, 'viewer')]);
    const notifier = new Notifier({
      users,
      control: { follower: () => { throw new Error('n/a'); }, status: () => { throw new Error('n/a'); } },
      outbox: o,
      log,
    });
    const events: CopierEvent[] = [];
    for (let i = 0; i < 3000; i++) {
      const problem = i % 500 === 0;
      events.push(
        copied(
          [problem ? leg({ status: 'skipped', reason: 'insufficient_margin', detail: { required: 100 + i, free: 50 } }) : leg({ ticket: i })],
          { event: { kind: 'open', eventId: `d${i}`, symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.1, ticket: i } },
        ),
      );
    }
    // notify() is synchronous and returns nothing to wait on: the engine never waits for Telegram. (Its speed is a
    // benchmark matter, not asserted here.)
    const results: unknown[] = [];
    for (const e of events) results.push(notifier.notify(e));
    expect(results.every((r) => r === undefined)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    const during = o.stats();
    expect(during.maxDepth).toBeLessThanOrEqual(2 * 52);
    expect(during.collapsed).toBeGreaterThan(5000);
    expect(s.delivered()).toHaveLength(0);
    expect(log.lines.some((l) => l.level === 'warn' && /collapsed/.test(l.msg ?? ''))).toBe(true);

    // Telegram comes back: everything queued arrives, in order, loud problems included.
    s.setHandler(() => 'default');
    expect(await o.flush(15_000)).toBe(true);
    for (const chat of [1, 2]) {
      const got = textsTo(s, chat);
      const tickets = got.flatMap((t) => [...t.matchAll(/open #(\d+)/g)].map((m) => Number(m[1])));
      expect(tickets).toEqual([...tickets].sort((a, b) => a - b));
      // The problem events (loud) were not collapsed away while routine ones were.
      for (const i of [0, 500, 1000, 1500, 2000, 2500]) expect(tickets).toContain(i);
      expect(got.some((t) => /copies not shown one by one/.test(t))).toBe(true);
      const loud = s.delivered().filter((r) => Number(r.body.chat_id) === chat && r.body.disable_notification === false);
      expect(loud.length).toBeGreaterThanOrEqual(6);
    }
    const after = o.stats();
    expect(after.queued).toBe(0);
    expect(after.failed).toBe(0);
    expect(after.sent + after.collapsed).toBeGreaterThanOrEqual(6000);
    await waitFor(() => true, 'noop');
  }, 30_000);
});
