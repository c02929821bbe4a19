/**
 * The chaos trial's world: two masters on one broker and up to twenty followers spread over the four demo brokers
 * (MT5 hedging and netting, MT4), each follower with its own copy rules, so that every rule the copier applies is
 * exercised at once: sizing modes, symbol maps, aliases and suffixes, filters, reverse copy, SL/TP on and off,
 * pending orders on and off, max lot, the below-minimum policy, and one follower kept at its margin limit.
 */
import { defaultFollower } from '../../src/domain/config.js';
import type { FollowerConfig, Sizing } from '../../src/domain/config.js';
import { ALWAYS_OPEN, apexTrading, classicFx, demoMarkets, DEMO_INSTRUMENTS, rawPrime } from '../../src/sim/index.js';
import type { AccountSpec, BrokerSpec, SymbolSpec, WorldSpec } from '../../src/sim/index.js';
import { uuidFrom } from '../../src/sim/rng.js';

/** One follower of the trial: its account, its copy rules and which masters it follows (by index). */
export interface FollowerPlan {
  nickname: string;
  account: AccountSpec;
  masters: number[];
  /** Applied over `defaultFollower`. */
  configure(config: FollowerConfig): void;
  /** What the follower is there to exercise (for the report). */
  role: string;
  /** Kept at its margin limit: copies may be skipped for margin (`insufficient_margin`) or refused (10019). */
  marginLimited?: boolean;
}

/** Brokers with published sessions switched to "always open": a closed market is injected by hand only. */
export function chaosBrokers(): BrokerSpec[] {
  const open = (b: BrokerSpec): BrokerSpec => ({ ...b, symbols: b.symbols.map((s) => ({ ...s, sessions: ALWAYS_OPEN })) });
  return [demoMarkets(), apexTrading(), rawPrime(), classicFx()].map(open);
}

/** Symbol specs by broker name and symbol name. */
export function specIndex(brokers: readonly BrokerSpec[]): Map<string, Map<string, SymbolSpec>> {
  return new Map(brokers.map((b) => [b.name, new Map(b.symbols.map((s) => [s.name, s] as const))] as const));
}

const sizing = (s: Sizing) => (c: FollowerConfig) => {
  c.sizing = s;
};

/**
 * The twenty followers. The first five make the short trial's world (one master), so they cover the brokers and the
 * common rules; the rest add the filters and limits.
 */
export function followerPlans(): FollowerPlan[] {
  const hedging = (nickname: string, broker: string, extra: Partial<AccountSpec> = {}): AccountSpec => ({
    nickname,
    broker,
    currency: 'USD',
    balance: 50_000,
    leverage: 200,
    marginMode: 'Hedging',
    ...extra,
  });
  return [
    { nickname: 'f01', account: hedging('f01', 'Demo Markets'), masters: [0, 1], configure: () => undefined, role: 'same broker, multiplier 1, both masters' },
    { nickname: 'f02', account: hedging('f02', 'Apex Trading'), masters: [0], configure: () => undefined, role: 'suffix m, GOLD/DJ30 aliases, whole-lot indices' },
    { nickname: 'f03', account: hedging('f03', 'Raw Prime', { currency: 'EUR' }), masters: [0], configure: () => undefined, role: '.raw suffix, 0.1 lot step, EUR account' },
    { nickname: 'f04', account: hedging('f04', 'Classic FX', { currency: 'GBP' }), masters: [0, 1], configure: sizing({ mode: 'multiplier', multiplier: 0.5 }), role: 'MT4, multiplier 0.5, both masters' },
    { nickname: 'f05', account: hedging('f05', 'Raw Prime', { marginMode: 'Netting' }), masters: [0], configure: sizing({ mode: 'multiplier', multiplier: 2 }), role: 'netting, multiplier 2' },
    { nickname: 'f06', account: hedging('f06', 'Apex Trading', { leverage: 500 }), masters: [1], configure: sizing({ mode: 'multiplier', multiplier: 0.5 }), role: 'multiplier 0.5' },
    { nickname: 'f07', account: hedging('f07', 'Demo Markets'), masters: [0], configure: sizing({ mode: 'fixed', lots: 0.05 }), role: 'fixed 0.05 lot' },
    { nickname: 'f08', account: hedging('f08', 'Demo Markets', { balance: 25_000 }), masters: [1], configure: sizing({ mode: 'balance_ratio', multiplier: 1 }), role: 'balance ratio (25k vs 100k)' },
    {
      nickname: 'f09',
      account: hedging('f09', 'Apex Trading'),
      masters: [0, 1],
      configure: (c) => {
        c.sizing = { mode: 'multiplier', multiplier: 1.5 };
        c.risk.maxLot = 0.5;
      },
      role: 'multiplier 1.5, max lot 0.5',
    },
    {
      nickname: 'f10',
      account: hedging('f10', 'Demo Markets'),
      masters: [0],
      configure: (c) => {
        c.filters.reverse = true;
      },
      role: 'reverse copy',
    },
    {
      nickname: 'f11',
      account: hedging('f11', 'Demo Markets'),
      masters: [1],
      configure: (c) => {
        c.filters.symbolsDeny = ['XAUUSD'];
        c.filters.sides = 'buy';
      },
      role: 'deny XAUUSD, buys only',
    },
    {
      nickname: 'f12',
      account: hedging('f12', 'Demo Markets'),
      masters: [0],
      configure: (c) => {
        c.filters.copyPending = false;
      },
      role: 'pending orders not copied (fills are)',
    },
    {
      nickname: 'f13',
      account: hedging('f13', 'Demo Markets'),
      masters: [1],
      configure: (c) => {
        c.filters.copySlTp = false;
      },
      role: 'SL/TP not copied',
    },
    {
      nickname: 'f14',
      account: hedging('f14', 'Raw Prime'),
      masters: [0],
      configure: (c) => {
        c.sizing = { mode: 'multiplier', multiplier: 0.3 };
        c.risk.belowMin = 'round_up';
      },
      role: 'multiplier 0.3, below-minimum rounds up',
    },
    {
      nickname: 'f15',
      account: hedging('f15', 'Demo Markets', { balance: 3_000, leverage: 50 }),
      masters: [1],
      configure: sizing({ mode: 'fixed', lots: 0.2 }),
      role: 'at its margin limit (3k, 1:50, fixed 0.2)',
      marginLimited: true,
    },
    {
      nickname: 'f16',
      account: hedging('f16', 'Classic FX'),
      masters: [1],
      configure: (c) => {
        c.symbolMap = { EURUSD: 'EURUSDi', XAUUSD: 'XAUUSDi' };
      },
      role: 'MT4, explicit symbol map',
    },
    {
      nickname: 'f17',
      account: hedging('f17', 'Apex Trading'),
      masters: [0],
      configure: (c) => {
        c.filters.symbolsAllow = ['EURUSD', 'XAUUSD', 'US30'];
      },
      role: 'allow list EURUSD/XAUUSD/US30',
    },
    { nickname: 'f18', account: hedging('f18', 'Raw Prime', { marginMode: 'Netting', currency: 'EUR' }), masters: [1], configure: () => undefined, role: 'netting, EUR' },
    { nickname: 'f19', account: hedging('f19', 'Demo Markets'), masters: [1], configure: () => undefined, role: 'multiplier 1' },
    { nickname: 'f20', account: hedging('f20', 'Apex Trading'), masters: [0, 1], configure: sizing({ mode: 'multiplier', multiplier: 3 }), role: 'multiplier 3, both masters' },
  ];
}

/** The trial's shape. */
export interface TrialWorld {
  spec: WorldSpec;
  brokers: BrokerSpec[];
  masters: { nickname: string; id: string }[];
  followers: (FollowerPlan & { id: string; config: FollowerConfig })[];
}

/** Builds the world for `masters` masters and the first `followers` followers of {@link followerPlans}. */
export function buildWorld(seed: number, masters: number, followers: number): TrialWorld {
  if (masters < 1 || masters > 2) throw new Error('the trial has one or two masters');
  const base = followerPlans();
  // Past the twenty, the plans repeat under new names (f21 is f01's rules on its own account): cluster mode's 40+.
  const plans = Array.from({ length: followers }, (_, i): FollowerPlan => {
    const p = base[i % base.length] as FollowerPlan;
    if (i < base.length) return p;
    const nickname = `f${String(i + 1).padStart(2, '0')}`;
    return { ...p, nickname, account: { ...p.account, nickname }, role: `${p.role} (as ${p.nickname})` };
  });
  const brokers = chaosBrokers();
  const masterList = Array.from({ length: masters }, (_, i) => ({ nickname: `m${i + 1}`, id: uuidFrom(seed, `chaos-master:${i}`) }));
  const accounts: AccountSpec[] = masterList.map((m) => ({ nickname: m.nickname, id: m.id, broker: 'Demo Markets', currency: 'USD', balance: 100_000, leverage: 100, marginMode: 'Hedging' }));
  const followerList = plans.map((p) => {
    const id = uuidFrom(seed, `chaos-follower:${p.nickname}`);
    accounts.push({ ...p.account, id });
    const followed = p.masters.filter((i) => i < masters).map((i) => (masterList[i] as { id: string }).id);
    const config = defaultFollower(id, followed.length > 0 ? followed : [(masterList[0] as { id: string }).id]);
    p.configure(config);
    return { ...p, id, config };
  });
  return {
    spec: { instruments: DEMO_INSTRUMENTS.map((i) => ({ ...i })), brokers, accounts },
    brokers,
    masters: masterList,
    followers: followerList,
  };
}
