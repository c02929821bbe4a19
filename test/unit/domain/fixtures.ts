import { defaultFollower } from '../../../src/domain/config.js';
import type { FollowerConfig } from '../../../src/domain/config.js';
import type { MasterClose, MasterModify, MasterOpen, MasterPendingPlace } from '../../../src/domain/events.js';
import type { CopyLink } from '../../../src/domain/ledger.js';
import type { FollowerPlanInput, PlanContext } from '../../../src/domain/plan.js';
import type { AccountSummary, OpenedOrder, SymbolSpec } from '../../../src/domain/trading.js';

export const MASTER = '11111111-1111-4111-8111-111111111111';
export const FOLLOWER = '22222222-2222-4222-8222-222222222222';
export const MAGIC = 770077;

export function spec(symbol: string, over: Partial<SymbolSpec> = {}): SymbolSpec {
  return {
    symbol,
    digits: 5,
    point: 0.00001,
    tickSize: 0.00001,
    tickValue: 1,
    contractSize: 100000,
    volumeMin: 0.01,
    volumeMax: 100,
    volumeStep: 0.01,
    stopsLevel: 0,
    freezeLevel: 0,
    tradeMode: 'Full',
    currencyBase: symbol.slice(0, 3),
    currencyProfit: symbol.slice(3, 6),
    currencyMargin: symbol.slice(0, 3),
    bid: 1.1,
    ask: 1.10002,
    sessions: [],
    ...over,
  };
}

export function summary(over: Partial<AccountSummary> = {}): AccountSummary {
  return {
    balance: 10_000,
    credit: 0,
    profit: 0,
    equity: 10_000,
    margin: 0,
    freeMargin: 10_000,
    marginLevel: 0,
    leverage: 100,
    currency: 'USD',
    type: 'Demo',
    ...over,
  };
}

export function follower(over: Partial<FollowerPlanInput> & { cfg?: (c: FollowerConfig) => void } = {}): FollowerPlanInput {
  const config = over.config ?? defaultFollower(FOLLOWER, [MASTER]);
  over.cfg?.(config);
  const specs = over.specs ?? new Map([['EURUSD', spec('EURUSD')]]);
  return {
    config,
    summary: over.summary === undefined ? summary() : over.summary,
    marginMode: over.marginMode ?? 'Hedging',
    symbols: over.symbols ?? [...specs.keys()],
    specs,
    marginPerLot: over.marginPerLot ?? new Map([['EURUSD', { buy: 1100, sell: 1100 }]]),
    links: over.links ?? [],
    ...(over.copyTags === undefined ? {} : { copyTags: over.copyTags }),
    openPositionCount: over.openPositionCount ?? 0,
    ...(over.dayStartBalance === undefined ? {} : { dayStartBalance: over.dayStartBalance }),
    ...(over.dailyRisk === undefined ? {} : { dailyRisk: over.dailyRisk }),
  };
}

export function ctx(followers: FollowerPlanInput[], over: Partial<PlanContext> = {}): PlanContext {
  return {
    now: 1_700_000_000_000,
    magic: MAGIC,
    master: { accountId: MASTER, summary: summary() },
    followers,
    ...over,
  };
}

export function openEvent(over: Partial<MasterOpen> = {}): MasterOpen {
  return {
    kind: 'open',
    masterId: MASTER,
    eventId: 'd1001',
    detectedAt: 1_700_000_000_000,
    position: 5001,
    deal: 1001,
    symbol: 'EURUSD',
    side: 'buy',
    volume: 1,
    volumeBefore: 0,
    price: 1.10002,
    stopLoss: 0,
    takeProfit: 0,
    fromPendingOrder: null,
    ...over,
  };
}

export function closeEvent(over: Partial<MasterClose> = {}): MasterClose {
  return {
    kind: 'close',
    masterId: MASTER,
    eventId: 'd1002',
    detectedAt: 1_700_000_000_000,
    position: 5001,
    deal: 1002,
    symbol: 'EURUSD',
    side: 'buy',
    volume: 1,
    volumeBefore: 1,
    price: 1.1005,
    ...over,
  };
}

export function modifyEvent(over: Partial<MasterModify> = {}): MasterModify {
  return {
    kind: 'modify',
    masterId: MASTER,
    eventId: 'm5001',
    detectedAt: 1_700_000_000_000,
    position: 5001,
    symbol: 'EURUSD',
    side: 'buy',
    stopLoss: 0,
    takeProfit: 0,
    previousStopLoss: 0,
    previousTakeProfit: 0,
    ...over,
  };
}

export function pendingEvent(over: Partial<MasterPendingPlace> = {}): MasterPendingPlace {
  return {
    kind: 'pending_place',
    masterId: MASTER,
    eventId: 'p7001',
    detectedAt: 1_700_000_000_000,
    order: 7001,
    symbol: 'EURUSD',
    operation: 'BuyLimit',
    volume: 1,
    price: 1.095,
    stopLoss: 1.09,
    takeProfit: 1.11,
    ...over,
  };
}

export function link(over: Partial<CopyLink> = {}): CopyLink {
  return {
    masterId: MASTER,
    masterTicket: 5001,
    followerId: FOLLOWER,
    followerTicket: 9001,
    kind: 'position',
    followerSymbol: 'EURUSD',
    masterSymbol: 'EURUSD',
    side: 'buy',
    volume: 1,
    masterVolume: 1,
    openedAt: 1_700_000_000_000,
    status: 'open',
    ...over,
  };
}

export function row(over: Partial<OpenedOrder> = {}): OpenedOrder {
  return {
    ticket: 9001,
    symbol: 'EURUSD',
    type: 'Buy',
    kind: 'Position',
    lots: 1,
    openPrice: 1.10002,
    currentPrice: 1.1,
    stopLoss: 0,
    takeProfit: 0,
    swap: 0,
    profit: 0,
    magic: 0,
    comment: '',
    openTime: '2024-01-01T00:00:00Z',
    ...over,
  };
}
