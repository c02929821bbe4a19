/**
 * /status shows the FxSocket transport counters (REST failures by kind, stream trouble) when the app wires them in,
 * read from a real FxSocketClient talking to the simulator; a failing counter source never breaks /status.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FxSocketClient } from '../../../src/fxsocket/index.js';
import { ADMIN, createHarness, startEngineWorld, texts, VIEWER } from './harness.js';
import type { EngineWorld } from './harness.js';

let world: EngineWorld;
let client: FxSocketClient;

beforeAll(async () => {
  world = await startEngineWorld({ follow: ['apex'] });
  client = new FxSocketClient({ apiKey: world.sim.apiKey, apiUrl: world.sim.url, timeoutMs: 5_000, stream: { pingIntervalMs: 0 } });
}, 30_000);

afterAll(async () => {
  await client?.close();
  await world?.close();
});

it('/status lists REST failures by kind and stream counters', async () => {
  await client.listAccounts();
  for (const id of ['no-such-account-1', 'no-such-account-2']) await client.getAccount(id).catch(() => undefined);
  const stream = await client.stream(world.ids.master);
  const h = await createHarness({ control: world.control, brokerHealth: () => client.stats() });
  const text = texts(await h.send(VIEWER, '/status')).join('\n');
  expect(text).toContain('FxSocket REST: 4 calls, 2 failed (2 4xx)');
  expect(text).toContain('FxSocket streams: 0/1 up');
  await stream.close();
  // A stream its owner closed is no longer listed.
  expect(client.stats().streams).toEqual([]);
});

it('/status still answers when the counters cannot be read', async () => {
  const h = await createHarness({
    control: world.control,
    brokerHealth: () => {
      throw new Error('boom');
    },
  });
  const text = texts(await h.send(ADMIN, '/status')).join('\n');
  expect(text).toContain('Masters');
  expect(text).not.toContain('FxSocket REST');
});
