import { describe, expect, it } from 'vitest';
import { ConfirmStore } from '../../../src/bot/confirm.js';
import { TestClock } from './harness.js';

describe('confirmations', () => {
  const make = () => {
    const clock = new TestClock(1_000_000);
    let n = 0;
    return { clock, store: new ConfirmStore({ clock, ttlMs: 60_000, max: 5, newToken: () => `t${++n}` }) };
  };

  it('is bound to its user, single use and expiring', () => {
    const { clock, store } = make();
    const c = store.create({ userId: 1, chatId: 1, action: 'sizing', args: ['f', '{"mode":"fixed","lots":1}'] });
    expect(store.take(c.token, 2)).toMatchObject({ ok: false, reason: 'other_user' });
    const ok = store.take(c.token, 1);
    expect(ok).toMatchObject({ ok: true, confirmation: { action: 'sizing', args: ['f', '{"mode":"fixed","lots":1}'] } });
    expect(store.take(c.token, 1)).toMatchObject({ ok: false, reason: 'used' });
    const d = store.create({ userId: 1, chatId: 1, action: 'closeall', args: ['f'] });
    clock.advance(60_001);
    expect(store.take(d.token, 1)).toMatchObject({ ok: false, reason: 'expired' });
    expect(store.take('nope', 1)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('cancel uses it up; memory is bounded', () => {
    const { store } = make();
    const c = store.create({ userId: 1, chatId: 1, action: 'follow', args: [] });
    expect(store.cancel(c.token, 1).ok).toBe(true);
    expect(store.take(c.token, 1)).toMatchObject({ ok: false, reason: 'used' });
    for (let i = 0; i < 20; i++) store.create({ userId: 1, chatId: 1, action: 'x', args: [] });
    expect(store.size).toBeLessThanOrEqual(5);
  });

  it('the stored arguments cannot be changed through the returned copy', () => {
    const { store } = make();
    const c = store.create({ userId: 1, chatId: 1, action: 'follow', args: ['a', 'b'] });
    (c.args as string[])[0] = 'evil';
    const taken = store.take(c.token, 1);
    expect(taken.ok && taken.confirmation.args).toEqual(['a', 'b']);
  });
});
