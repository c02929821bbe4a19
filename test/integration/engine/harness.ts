/**
 * A whole copier over real loopback sockets: the simulator, the FxSocket client, a real state file in a temp dir and
 * the engine. Scenario tests drive the master "by hand" through the simulator and read the followers' books back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine } from '../../../src/engine/index.js';
import type { CopierEvent, Engine, EngineOptions, LegOutcome } from '../../../src/engine/index.js';
import type { BrokerPort } from '../../../src/engine/ports.js';
import { systemClock } from '../../../src/engine/clock.js';
import { FxSocketClient } from '../../../src/fxsocket/index.js';
import { ALWAYS_OPEN, createSimulator, demoWorld } from '../../../src/sim/index.js';
import type { Sim, SimulatorOptions, WorldSpec } from '../../../src/sim/index.js';
import { parseVariant, type WorldVariant } from '../../../src/sim/variant.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/index.js';

export type FollowerName = 'apex' | 'raw' | 'mt4';
export type Copied = Extract<CopierEvent, { type: 'copied' }>;
export type Resolved = Extract<CopierEvent, { type: 'leg_resolved' }>;
export type Reconciled = Extract<CopierEvent, { type: 'reconciled' }>;

export interface World {
  sim: Sim;
  engine: Engine;
  store: Store;
  client: FxSocketClient;
  dir: string;
  events: CopierEvent[];
  ids: { master: string; apex: string; raw: string; mt4: string };
  /** Restarts the copier (new client, store and engine) on the same data dir and simulator. */
  restart(options?: Partial<EngineOptions>, between?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export const silentLog = pino({ level: 'silent' });

/**
 * The world variant the suite runs under (src/sim/variant.ts): `FXMIRROR_SIM_VARIANT` (`default`, `other`,
 * `seed:<n>`, `point=reading,…`), set per vitest project so the engine's scenarios run under every reading.
 * A test's own `sim.variant` points win over it.
 */
export function suiteVariant(): WorldVariant {
  return parseVariant(process.env.FXMIRROR_SIM_VARIANT ?? 'default');
}

export const MAGIC = 20_260_601;

export async function waitFor<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 8000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The demo world with every symbol's published sessions set to "always open". The simulator's `marketHours: 'always'`
 * ignores the calendar when it executes, but SymbolInfo would still publish the real sessions, and the engine plans
 * by those: a test run at night or at a weekend would then see its opens queued. This keeps both sides agreeing,
 * so the tests do not depend on the wall clock; a closed market is simulated with `sim.setMarketClosed`.
 */
export function alwaysOpenWorld(base: WorldSpec = demoWorld()): WorldSpec {
  return {
    ...base,
    brokers: base.brokers.map((b) => (typeof b === 'string' ? b : { ...b, symbols: b.symbols.map((s) => ({ ...s, sessions: ALWAYS_OPEN })) })),
  };
}

export async function startWorld(
  options: {
    sim?: SimulatorOptions;
    engine?: Partial<EngineOptions>;
    follow?: FollowerName[];
    dir?: string;
    /** Puts something between the engine and the FxSocket client (to watch what the engine asks of it). */
    broker?: (client: FxSocketClient) => BrokerPort;
  } = {},
): Promise<World> {
  const sim = await createSimulator({ seed: 11, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always', world: alwaysOpenWorld(), variant: suiteVariant(), ...options.sim });
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
    engine = createEngine({ broker: options.broker ? options.broker(client) : client, state: store, clock: systemClock, log: silentLog, options: opts });
    engine.events.subscribe((e) => events.push(e));
    await engine.start();
  };
  await boot(engineOptions);
  let closed = false;
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
    async restart(opts, between) {
      await engine.stop();
      await store.close();
      await client.close();
      if (between) await between();
      await boot({ ...engineOptions, ...opts });
    },
    async close() {
      if (closed) return;
      closed = true;
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
    // Start-up reconciliation and the followers' first frames must be in before a test trades.
    await engine.idle();
    await waitFor(() => options.follow?.every((f) => engine.runtime.followers.get(ids[f])?.summary !== null), 'follower caches');
  }
  return world;
}

/** Copies of master positions on a follower (rows with the copier's magic). */
export function copiesOn(world: World, follower: keyof World['ids'], magic = MAGIC) {
  return world.sim.account(world.ids[follower]).positions().filter((p) => p.magic === magic);
}

export function lastCopied(world: World): Copied | undefined {
  return [...world.events].reverse().find((e): e is Copied => e.type === 'copied');
}

/** The `copied` events of one master ticket (position or pending order), optionally of one kind. */
export function copiedOf(world: World, ticket: number, kind?: Copied['event']['kind']): Copied[] {
  return world.events.filter((e): e is Copied => e.type === 'copied' && e.event.ticket === ticket && (kind === undefined || e.event.kind === kind));
}

/** Waits for the `copied` event of a master ticket and kind (the n-th one, default the first). */
export function waitCopied(world: World, ticket: number, kind: Copied['event']['kind'], n = 1): Promise<Copied> {
  return waitFor(() => copiedOf(world, ticket, kind)[n - 1], `copied ${kind} of #${ticket}`);
}

/** One follower's leg of a copied event. */
/** Sends these master market orders one after another, each copied before the next; returns their tickets. */
export async function openCopied(world: World, orders: readonly { symbol: string; operation: 'Buy' | 'Sell'; volume: number }[]): Promise<number[]> {
  const tickets: number[] = [];
  for (const o of orders) {
    const r = world.sim.account('master').send(o);
    await waitCopied(world, r.order, 'open');
    tickets.push(r.order);
  }
  await world.engine.idle();
  return tickets;
}

export function legOf(event: Copied, world: World, follower: FollowerName): LegOutcome {
  const leg = event.legs.find((l) => l.followerId === world.ids[follower]);
  if (!leg) throw new Error(`no leg for ${follower} in ${JSON.stringify(event.legs.map((l) => l.followerName))}`);
  return leg;
}

export function resolvedEvents(world: World): Resolved[] {
  return world.events.filter((e): e is Resolved => e.type === 'leg_resolved');
}
