/**
 * The FxSocket simulator: a local FxSocket (management API v1, terminal REST and WebSocket per account) in front
 * of a simulated broker world. See `createSimulator`.
 */
import type { EventEmitter } from 'node:events';
import type { AccountSpec } from './broker/spec.js';
import type { SimClock } from './clock.js';
import type { DemoTrader } from './demo-trader.js';
import type { AccountHandle } from './handle.js';
import { Simulator, type SimulatorOptions } from './simulator.js';
import type { SimStats } from './stats.js';

export { ManualClock, manualClock, realClock, type SimClock } from './clock.js';
export type { AccountHandle, FaultControls, HandModify, HandOrder } from './handle.js';
export type { FaultConfig, FaultKind } from './faults.js';
export type { SimStats } from './stats.js';
export type { ApiKeysOption } from './http/auth.js';
export type { DemoTraderOptions } from './demo-trader.js';
export type { AccountSpec, BrokerSpec, InstrumentSpec, SymbolSpec, WorldSpec } from './broker/spec.js';
export type { OrderReceivedEvent, PriceTarget, RequestEvent, RequestStartEvent, SimulatorOptions, TradeFrameEvent } from './simulator.js';
export { matchesBase, parseOperation } from './broker/symbols.js';
export { checkVolume, floorToStep, toLots, toUnits, VOLUME_SCALE } from './broker/volume.js';
export { isSessionOpen, FOREX_SESSIONS, METAL_SESSIONS, US_INDEX_SESSIONS, EU_INDEX_SESSIONS, ALWAYS_OPEN } from './broker/sessions.js';
export {
  apexTrading,
  classicFx,
  demoAccounts,
  demoBroker,
  demoMarkets,
  demoWorld,
  DEMO_INSTRUMENTS,
  fxSymbol,
  goldSymbol,
  indexSymbol,
  rawPrime,
} from './world.js';
export type * from './types.js';

/** The simulator as the rest of fxmirror uses it. */
export interface Sim {
  /** `http://127.0.0.1:<port>`; the management base is `${url}/v1`. */
  readonly url: string;
  readonly port: number;
  /** The default full key (`fxs_live_demo` unless overridden). */
  readonly apiKey: string;
  readonly accounts: AccountHandle[];
  account(idOrNickname: string): AccountHandle;
  addAccount(spec: AccountSpec): AccountHandle;
  removeAccount(idOrNickname: string): boolean;
  addApiKey(key: string, scope?: 'all' | string[]): void;
  revokeApiKey(key: string): void;
  setQuote: Simulator['setQuote'];
  movePrice: Simulator['movePrice'];
  setMarketClosed: Simulator['setMarketClosed'];
  /** Current bid/ask of a broker symbol. */
  quote(broker: string, symbol: string): { bid: number; ask: number };
  /** Switches the idempotency guarantee off (503 `idempotency_unavailable`) or on. */
  setIdempotencyAvailable(available: boolean): void;
  readonly clock: SimClock;
  readonly events: EventEmitter;
  stats(): SimStats;
  readonly demoTrader: DemoTrader;
  /** The underlying implementation, for anything not covered above. */
  readonly internals: Simulator;
  close(): Promise<void>;
}

/** Creates and starts a simulator on loopback. */
export async function createSimulator(opts: SimulatorOptions = {}): Promise<Sim> {
  const sim = new Simulator(opts);
  await sim.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  const handle = (idOrNickname: string): AccountHandle => {
    const t = sim.terminal(idOrNickname);
    const h = t && sim.handles.get(t.id);
    if (!h) throw new Error(`unknown account ${idOrNickname}`);
    return h;
  };
  return {
    url: sim.url,
    port: sim.port,
    get apiKey() {
      return sim.keys.firstFull();
    },
    get accounts() {
      return [...sim.handles.values()];
    },
    account: handle,
    addAccount: (spec) => sim.addAccount(spec),
    removeAccount: (idOrNickname) => {
      const t = sim.terminal(idOrNickname);
      return t ? sim.removeAccount(t.id) : false;
    },
    addApiKey: (key, scope = 'all') => {
      if (key.startsWith('fxs_ro_')) sim.keys.addReadOnly(key, scope);
      else sim.keys.addFull(key);
    },
    revokeApiKey: (key) => sim.keys.revoke(key),
    setQuote: (target, bid, ask) => sim.setQuote(target, bid, ask),
    movePrice: (target, delta) => sim.movePrice(target, delta),
    setMarketClosed: (target, closed) => sim.setMarketClosed(target, closed),
    quote: (broker, symbol) => {
      const s = sim.brokerOf(broker)?.symbols.get(symbol);
      if (!s) throw new Error(`unknown symbol ${symbol} at ${broker}`);
      return { bid: s.bid, ask: s.ask };
    },
    setIdempotencyAvailable: (available) => {
      sim.idempotency.available = available;
    },
    clock: sim.clock,
    events: sim.events,
    stats: () => sim.snapshotStats(),
    demoTrader: sim.demoTrader,
    internals: sim,
    close: () => sim.close(),
  };
}
