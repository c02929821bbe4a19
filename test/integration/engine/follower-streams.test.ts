/**
 * Followers' streams coalesce snapshot frames (only the newest undelivered `positions`/`account`/`tick` is decoded);
 * the master's never do, since every master frame can be an event to copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerPort } from '../../../src/engine/ports.js';
import type { FxSocketClient } from '../../../src/fxsocket/index.js';
import { copiesOn, startWorld, waitFor, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The client, with every `stream()` request recorded. */
function recording(client: FxSocketClient, calls: { accountId: string; coalesceSnapshots: boolean }[]): BrokerPort {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'stream') {
        return (accountId: string, options?: { coalesceSnapshots?: boolean }) => {
          calls.push({ accountId, coalesceSnapshots: options?.coalesceSnapshots === true });
          return target.stream(accountId, options);
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('follower streams', () => {
  it('asks for coalesced snapshots on followers only, and the followers caches still end on the books as they are', async () => {
    const calls: { accountId: string; coalesceSnapshots: boolean }[] = [];
    world = await startWorld({ follow: ['apex', 'raw', 'mt4'], broker: (client) => recording(client, calls) });
    const { ids } = world;
    expect(calls.filter((c) => c.accountId === ids.master)).toEqual([{ accountId: ids.master, coalesceSnapshots: false }]);
    for (const f of [ids.apex, ids.raw, ids.mt4]) expect(calls.filter((c) => c.accountId === f)).toEqual([{ accountId: f, coalesceSnapshots: true }]);

    // Several copies in quick succession: the followers' lists change faster than one frame per copy is needed.
    const master = world.sim.account('master');
    for (let i = 0; i < 6; i++) master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.1 });
    const w = world;
    // raw-follower is a netting account: its six copies are one row.
    await waitFor(() => w.events.filter((e) => e.type === 'copied').length === 6 && copiesOn(w, 'apex').length === 6 && copiesOn(w, 'mt4').length === 6, 'six copies on each follower');
    await w.engine.idle();
    for (const f of ['apex', 'raw', 'mt4'] as const) {
      const book = w.sim.account(ids[f]);
      await waitFor(() => {
        const cached = w.engine.runtime.followers.get(ids[f]);
        return cached !== undefined && sameTickets(cached.positions, book.positions()) && cached.summary?.equity === book.summary().equity;
      }, `${f}'s cache on its book`);
    }
  });
});

function sameTickets(a: readonly { ticket: number }[], b: readonly { ticket: number }[]): boolean {
  const x = a.map((r) => r.ticket).sort((p, q) => p - q);
  const y = b.map((r) => r.ticket).sort((p, q) => p - q);
  return x.length === y.length && x.every((t, i) => t === y[i]);
}
