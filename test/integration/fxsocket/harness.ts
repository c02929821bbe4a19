/** A simulator on loopback plus an FxSocketClient pointed at it: real HTTP and WebSocket, no mocks. */
import type { StreamEvent } from '../../../src/engine/ports.js';
import { FxSocketClient, type FxSocketClientOptions, type TerminalStream } from '../../../src/fxsocket/index.js';
import { createSimulator, manualClock, type ManualClock, type Sim, type SimulatorOptions } from '../../../src/sim/index.js';

/** A Wednesday 10:00 UTC: every demo market is in session. */
export const OPEN_TIME = '2026-11-25T10:00:00.000Z';

export interface Harness {
  sim: Sim;
  clock: ManualClock;
  client: FxSocketClient;
  /** Account ids by demo nickname. */
  id: (nickname: string) => string;
  /** Another client on the same simulator with a different key. */
  clientWithKey: (apiKey: string, options?: Partial<FxSocketClientOptions>) => FxSocketClient;
  close: () => Promise<void>;
}

/** Quiet simulator (manual clock, no price feed, no demo trader) and a client. */
export async function startHarness(options: SimulatorOptions = {}, clientOptions: Partial<FxSocketClientOptions> = {}): Promise<Harness> {
  const clock = manualClock(OPEN_TIME);
  const sim = await createSimulator({ seed: 7, port: 0, world: 'demo', priceFeed: false, demoTrader: false, clock, ...options });
  const clients: FxSocketClient[] = [];
  const clientWithKey = (apiKey: string, extra: Partial<FxSocketClientOptions> = {}) => {
    const c = new FxSocketClient({
      apiKey,
      apiUrl: sim.url,
      timeoutMs: 5_000,
      stream: { backoff: { baseMs: 20, maxMs: 200 }, pingIntervalMs: 1_000, livenessTimeoutMs: 2_000 },
      ...clientOptions,
      ...extra,
    });
    clients.push(c);
    return c;
  };
  const client = clientWithKey(sim.apiKey);
  return {
    sim,
    clock,
    client,
    id: (nickname) => sim.account(nickname).id,
    clientWithKey,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await sim.close();
    },
  };
}

/** Polls until `predicate` holds. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Records a stream's events. */
export function record(stream: TerminalStream): StreamEvent[] {
  const events: StreamEvent[] = [];
  stream.onEvent((event) => {
    events.push(event);
  });
  return events;
}

export function ofType<T extends StreamEvent['type']>(events: readonly StreamEvent[], type: T): Extract<StreamEvent, { type: T }>[] {
  return events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
}

/** Whether an `other` event is an ack of `topic`. */
export function isAck(event: StreamEvent, topic: string): boolean {
  return event.type === 'other' && event.frame['type'] === 'subscribed' && event.frame['topic'] === topic;
}

/** Resolves with the rejection of `promise` (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
