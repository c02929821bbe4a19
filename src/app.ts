/**
 * The composition root (design.md §2): configuration → store → FxSocket client (or the embedded simulator when no
 * API key is set) → engine → chat front-end. Nothing else in the code base knows which adapters are in use.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { EventBacklog } from './bot/event-backlog.js';
import type { OutboxRefMemory } from './bot/outbox.js';
import type { BrokerHealth, SubscribeEvents, UserDirectory } from './bot/ports.js';
import type { Config } from './config.js';
import { createEngine } from './engine/index.js';
import type { Engine, EngineOptions } from './engine/index.js';
import { systemClock } from './engine/clock.js';
import { copyInProgress } from './engine/copy-path.js';
import { FxSocketClient } from './fxsocket/index.js';
import { createSimulator } from './sim/index.js';
import type { Sim } from './sim/index.js';
import { openStore, StoreUserDirectory } from './store/index.js';

/** A chat front-end (Telegram, the terminal chat, or a plain progress printer) started over a running engine. */
export interface FrontEnd {
  stop(): Promise<void>;
}

export interface AppContext {
  config: Config;
  engine: Engine;
  /** The chat's allow-list: the state file in one process, Redis in a cluster (every control process sees it). */
  users: UserDirectory;
  /**
   * Where the Telegram chat also keeps the ids of messages it may edit later, so the control process that takes over
   * edits them (Redis in a cluster). Memory only when absent. The terminal chat never uses it: its message ids are
   * its own process's.
   */
  sentMessages?: OutboxRefMemory;
  log: PinoLogger;
  /** The embedded simulator in demo mode. */
  sim: Sim | null;
  /** Secrets to keep out of every chat message. */
  secrets: string[];
  /**
   * Copier events for the front-end. Subscribed before the engine starts: the first subscriber also receives, in
   * order, what the engine emitted before the chat existed (bounded).
   */
  events: SubscribeEvents;
  /** FxSocket transport counters (REST errors by kind, per-stream counters), for /status. */
  brokerHealth: () => BrokerHealth;
}

export interface RunningApp extends AppContext {
  frontEnd: FrontEnd;
  stop(): Promise<void>;
}

export function engineOptionsFrom(config: Config): Partial<EngineOptions> {
  return {
    magic: config.magic,
    slippagePoints: config.slippagePoints,
    reconcileIntervalMs: config.reconcileSeconds * 1000,
    maxCopyAgeMs: config.maxCopyAgeSeconds * 1000,
    maxCopyDeviationPoints: config.maxCopyDeviationPoints,
    marketClosedExpiryMs: config.marketClosedExpiryMinutes * 60_000,
  };
}

/**
 * Starts everything. `frontEnd` builds the chat over the running engine; on any start-up failure everything already
 * started is stopped again before the error propagates.
 */
export async function startApp(
  config: Config,
  log: PinoLogger,
  frontEnd: (ctx: AppContext) => Promise<FrontEnd>,
): Promise<RunningApp> {
  const cleanups: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    let sim: Sim | null = null;
    let apiKey = config.apiKey;
    let apiUrl = config.apiUrl;
    let dataDir = config.dataDir;
    if (apiKey === null) {
      sim = await createSimulator({
        seed: config.demoSeed,
        port: 0,
        // Always-open markets, so the demo trades on a weekend or at night too (sessions are tested elsewhere).
        marketHours: 'always',
        demoTrader: { intervalMs: config.demoTradeSeconds * 1000, seed: config.demoSeed },
      });
      const s = sim;
      cleanups.push(() => s.close());
      apiKey = sim.apiKey;
      apiUrl = sim.url;
      // Demo state lives apart from real state so switching to real keys never inherits demo accounts.
      dataDir = join(config.dataDir, 'demo');
      await mkdir(dataDir, { recursive: true });
      log.info({ url: sim.url }, 'demo mode: embedded FxSocket simulator started');
    }
    // Writes are coalesced for 200 ms: the copy path never waits for the disk, and a crash inside that window is
    // covered by the batches' Idempotency-Keys and by reconciliation from the brokers' tagged orders.
    const store = await openStore({ dataDir, writeDelayMs: 200, log: log.child({ component: 'store' }) });
    cleanups.push(() => store.close());
    const client = new FxSocketClient({ apiKey, apiUrl, insecureTls: config.insecureTls });
    cleanups.push(() => client.close());
    const engine = createEngine({
      broker: client,
      state: store,
      clock: systemClock,
      log: log.child({ component: 'engine' }),
      options: engineOptionsFrom(config),
    });
    cleanups.push(() => engine.stop());
    // A due background write waits (briefly) while a copy is between its master frame and its batch requests.
    store.deferWritesWhile(() => copyInProgress(engine.metrics, engine.runtime.masters.values()));
    // Start-up copies, reconciliation and connection alerts happen before any chat exists: keep them for it.
    const backlog = new EventBacklog({ source: (listener) => engine.events.subscribe(listener), log: log.child({ component: 'events' }) });
    cleanups.push(async () => backlog.close());
    await engine.start();
    if (sim) await configureDemo(engine, sim);
    const secrets = [apiKey, config.botToken].filter((s): s is string => typeof s === 'string' && s.length > 0);
    const ctx: AppContext = { config, engine, users: new StoreUserDirectory(store), log, sim, secrets, events: backlog.subscribe, brokerHealth: () => client.stats() };
    const fe = await frontEnd(ctx);
    cleanups.push(() => fe.stop());
    sim?.demoTrader.start();
    let stopping: Promise<void> | null = null;
    return {
      ...ctx,
      frontEnd: fe,
      stop: () => (stopping ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/** First demo run: the seeded master and its three followers on other brokers, so copying starts at once. */
async function configureDemo(engine: Engine, sim: Sim): Promise<void> {
  const status = engine.control.status();
  if (status.masters.length > 0) return;
  const master = sim.account('master').id;
  await engine.control.setMaster(master);
  for (const nickname of ['apex-follower', 'raw-follower', 'mt4-follower']) {
    await engine.control.follow(sim.account(nickname).id, master);
  }
  // Raw Prime trades 0.1 lots at least: size it by equity and round small lots up, so the demo shows both settings.
  const raw = sim.account('raw-follower').id;
  await engine.control.setSizing(raw, { mode: 'equity_ratio', multiplier: 3 });
  await engine.control.setRisk(raw, { belowMin: 'round_up' });
}
