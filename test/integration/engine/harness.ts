/**
 * A whole copier over real loopback sockets: the simulator, the FxSocket client, a real state file in a temp dir and
 * the engine. Scenario tests drive the master "by hand" through the simulator and read the followers' books back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine } from '../../../src/engine/index.js';
import type { CopierEvent, Engine, EngineOptions } from '../../../src/engine/index.js';
import { systemClock } from '../../../src/engine/clock.js';
import { FxSocketClient } from '../../../src/fxsocket/index.js';
import { createSimulator } from '../../../src/sim/index.js';
import type { Sim, SimulatorOptions } from '../../../src/sim/index.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/index.js';

export interface World {
  sim: Sim;
  engine: Engine;
  store: Store;
  client: FxSocketClient;
  dir: string;
  events: CopierEvent[];
  ids: { master: string; apex: string; raw: string; mt4: string };
  /** Restarts the copier (new client, store and engine) on the same data dir and simulator. */
  restart(options?: Partial<EngineOptions>): Promise<void>;
  close(): Promise<void>;
}

export const silentLog = pino({ level: 'silent' });

export async function waitFor<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 8000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startWorld(
  options: { sim?: SimulatorOptions; engine?: Partial<EngineOptions>; follow?: ('apex' | 'raw' | 'mt4')[]; dir?: string } = {},
): Promise<World> {
  const sim = await createSimulator({ seed: 11, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always', ...options.sim });
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'fxmirror-engine-')));
  const ids = {
    master: sim.account('master').id,
    apex: sim.account('apex-follower').id,
    raw: sim.account('raw-follower').id,
    mt4: sim.account('mt4-follower').id,
  };
  const events: CopierEvent[] = [];
  const engineOptions: Partial<EngineOptions> = { reconcileIntervalMs: 0, unknownResolveDelayMs: 100, ...options.engine };
  let client!: FxSocketClient;
  let store!: Store;
  let engine!: Engine;
  const boot = async (opts: Partial<EngineOptions>) => {
    client = new FxSocketClient({ apiKey: sim.apiKey, apiUrl: sim.url, timeoutMs: 5000, stream: { pingIntervalMs: 0 } });
    store = await openStore({ dataDir: dir, writeDelayMs: 5 });
    engine = createEngine({ broker: client, state: store, clock: systemClock, log: silentLog, options: opts });
    engine.events.subscribe((e) => events.push(e));
    await engine.start();
  };
  await boot(engineOptions);
  const world: World = {
    sim,
    get engine() {
      return engine;
    },
    get store() {
      return store;
    },
    get client() {
      return client;
    },
    dir,
    events,
    ids,
    async restart(opts) {
      await engine.stop();
      await store.close();
      await client.close();
      await boot({ ...engineOptions, ...opts });
    },
    async close() {
      await engine.stop();
      await store.close();
      await client.close();
      await sim.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  if (options.follow) {
    await engine.control.setMaster(ids.master);
    for (const f of options.follow) await engine.control.follow(ids[f], ids.master);
  }
  return world;
}

/** Copies of master positions on a follower (rows with the copier's magic). */
export function copiesOn(world: World, follower: keyof World['ids'], magic = 20_260_601) {
  return world.sim.account(world.ids[follower]).positions().filter((p) => p.magic === magic);
}

export function lastCopied(world: World): Extract<CopierEvent, { type: 'copied' }> | undefined {
  return [...world.events].reverse().find((e): e is Extract<CopierEvent, { type: 'copied' }> => e.type === 'copied');
}
