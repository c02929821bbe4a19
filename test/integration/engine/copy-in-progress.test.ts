/**
 * `copyInProgress`: true from a master deal taken off the socket until its batch requests are written (the store
 * holds background writes back meanwhile), false while the copy only waits for the broker's reply.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyInProgress } from '../../../src/engine/copy-path.js';
import { copiesOn, startWorld, waitFor } from './harness.js';
import type { World } from './harness.js';

describe('engine: a copy in progress', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('is reported while the event is planned and its batch written, and not once the batch is on its way', async () => {
    world = await startWorld({ follow: ['apex', 'raw'] });
    const w = world;
    const inProgress = () => copyInProgress(w.engine.metrics, w.engine.runtime.masters.values());
    const atSend: boolean[] = [];
    const atBroker: boolean[] = [];
    // Sampled as the engine hands its batches to the client (inside the copy), and as the broker receives the legs.
    const place = w.client.placeOrders.bind(w.client);
    w.client.placeOrders = (request, options) => {
      atSend.push(inProgress());
      return place(request, options);
    };
    const close = w.client.closeOrders.bind(w.client);
    w.client.closeOrders = (request, options) => {
      atSend.push(inProgress());
      return close(request, options);
    };
    w.sim.events.on('orderReceived', () => atBroker.push(inProgress()));

    expect(inProgress()).toBe(false);
    const master = w.sim.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.2 });
    await waitFor(() => copiesOn(w, 'apex').length === 1 && copiesOn(w, 'raw').length === 1, 'the copies');
    await w.engine.idle();
    master.close(r.order);
    await waitFor(() => copiesOn(w, 'apex').length === 0 && copiesOn(w, 'raw').length === 0, 'the copies closed');
    await w.engine.idle();

    expect(atSend).toEqual([true, true]);
    expect(atBroker.length).toBeGreaterThanOrEqual(2);
    expect(atBroker.every((v) => !v)).toBe(true);
    expect(inProgress()).toBe(false);
    expect(w.engine.metrics.copiesInPlanning).toBe(0);
  });
});
