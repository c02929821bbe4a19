import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFollower } from '../../../src/domain/config.js';
import type { MasterEvent } from '../../../src/domain/events.js';
import type { LegPlan } from '../../../src/domain/plan.js';
import { planEvent } from '../../../src/domain/plan.js';
import { REASON_CODES } from '../../../src/domain/reasons.js';
import type { ReasonCode } from '../../../src/domain/reasons.js';
import { copyComment, parseCopyComment } from '../../../src/domain/tags.js';
import { closeEvent, ctx, follower, FOLLOWER, link, MAGIC, MASTER, modifyEvent, openEvent, pendingEvent, spec, summary } from './fixtures.js';

const only = (legs: LegPlan[]): LegPlan => {
  expect(legs).toHaveLength(1);
  return legs[0] as LegPlan;
};
const skipReason = (legs: LegPlan[]): ReasonCode | null => {
  const l = only(legs);
  return l.action === 'skip' ? l.reason : null;
};
const codes = (l: LegPlan): string[] => ('reasons' in l ? l.reasons.map((r) => r.code) : []);

describe('planEvent: opens', () => {
  it('plans a tagged market open with exact volume and the magic number', () => {
    const leg = only(planEvent(openEvent({ volume: 0.37, stopLoss: 1.09, takeProfit: 1.12 }), ctx([follower({ cfg: (c) => (c.sizing = { mode: 'multiplier', multiplier: 0.5 }) })])));
    expect(leg).toEqual({
      action: 'open',
      followerId: FOLLOWER,
      masterTicket: 5001,
      symbol: 'EURUSD',
      operation: 'Buy',
      side: 'buy',
      volume: 0.18,
      stopLoss: 1.09,
      takeProfit: 1.12,
      comment: copyComment(MASTER, 5001),
      magic: MAGIC,
      reasons: [{ code: 'volume_rounded', detail: { from: 0.185, to: 0.18, step: 0.01 } }],
    });
    expect(parseCopyComment(leg.action === 'open' ? leg.comment : '')?.masterTicket).toBe(5001);
  });

  it('only followers of this master get a leg', () => {
    const other = follower({ config: defaultFollower('f2', ['someone-else']) });
    expect(planEvent(openEvent(), ctx([follower(), other]))).toHaveLength(1);
  });

  it('reverse copy: opposite side, SL↔TP swapped', () => {
    const leg = only(planEvent(openEvent({ stopLoss: 1.09, takeProfit: 1.12 }), ctx([follower({ cfg: (c) => (c.filters.reverse = true) })])));
    expect(leg).toMatchObject({ action: 'open', operation: 'Sell', side: 'sell', stopLoss: 1.12, takeProfit: 1.09 });
    expect(codes(leg)).toContain('reversed');
  });

  it('copy SL/TP off sends 0 with sl_tp_not_copied', () => {
    const leg = only(planEvent(openEvent({ stopLoss: 1.09 }), ctx([follower({ cfg: (c) => (c.filters.copySlTp = false) })])));
    expect(leg).toMatchObject({ stopLoss: 0, takeProfit: 0 });
    expect(codes(leg)).toContain('sl_tp_not_copied');
  });

  it('risk percent with an SL: lot from follower equity and tick value', () => {
    const f = follower({ summary: summary({ equity: 8_000 }), cfg: (c) => (c.sizing = { mode: 'risk_percent', percent: 0.5 }) });
    // 0.5% of 8000 = 40; SL 200 points × $1 = $200/lot → 0.2 lots.
    const leg = only(planEvent(openEvent({ price: 1.1, stopLoss: 1.098 }), ctx([f])));
    expect(leg).toMatchObject({ action: 'open', volume: 0.2 });
    expect(skipReason(planEvent(openEvent({ stopLoss: 0 }), ctx([f])))).toBe('no_stop_loss');
  });

  it('risk percent with reverse copy measures to the follower stop (the master TP)', () => {
    const f = follower({ cfg: (c) => { c.sizing = { mode: 'risk_percent', percent: 1 }; c.filters.reverse = true; } });
    expect(skipReason(planEvent(openEvent({ price: 1.1, stopLoss: 1.098, takeProfit: 0 }), ctx([f])))).toBe('no_stop_loss');
    const leg = only(planEvent(openEvent({ price: 1.1, stopLoss: 0, takeProfit: 1.105 }), ctx([f])));
    expect(leg).toMatchObject({ action: 'open', side: 'sell', volume: 0.2, stopLoss: 1.105 });
  });

  it('margin reduce vs skip, with numbers', () => {
    const base = { summary: summary({ freeMargin: 1_000 }), marginPerLot: new Map([['EURUSD', { buy: 1_100, sell: 1_000 }]]) };
    const reduce = only(planEvent(openEvent({ volume: 2 }), ctx([follower({ ...base, cfg: (c) => (c.risk.marginCheck = 'reduce') })])));
    // 1000 × 0.9 / 1100 = 0.818… → 0.81.
    expect(reduce).toMatchObject({ action: 'open', volume: 0.81 });
    expect(reduce.action === 'open' && reduce.reasons).toEqual([
      { code: 'margin_reduced', detail: { required: 2200, free: 1000, allowed: 900, from: 2, to: 0.81, marginPerLot: 1100 } },
    ]);
    const skip = only(planEvent(openEvent({ volume: 2 }), ctx([follower(base)])));
    expect(skip).toMatchObject({ action: 'skip', reason: 'insufficient_margin', detail: { required: 2200, free: 1000, symbol: 'EURUSD' } });
  });

  it('max lot clamps (max_lot) and max open positions skips', () => {
    const clamped = only(planEvent(openEvent({ volume: 5 }), ctx([follower({ cfg: (c) => (c.risk.maxLot = 0.5) })])));
    expect(clamped).toMatchObject({ action: 'open', volume: 0.5 });
    expect(codes(clamped)).toEqual(['max_lot']);
    expect(skipReason(planEvent(openEvent(), ctx([follower({ openPositionCount: 2, cfg: (c) => (c.risk.maxOpenPositions = 2) })])))).toBe('max_open_positions');
  });

  it('price deviation guard', () => {
    const f = follower({ specs: new Map([['EURUSD', spec('EURUSD', { ask: 1.1015, bid: 1.1013 })]]), cfg: (c) => (c.risk.maxPriceDeviationPoints = 100) });
    const leg = only(planEvent(openEvent({ price: 1.1 }), ctx([f])));
    expect(leg).toMatchObject({ action: 'skip', reason: 'price_deviation', detail: { points: 150, max: 100 } });
  });

  it('market closed is an annotation with the next open, not a skip', () => {
    const sessions = [{ day: 'MONDAY', from: '08:00', to: '17:00' }];
    const f = follower({ specs: new Map([['EURUSD', spec('EURUSD', { sessions })]]) });
    const leg = only(planEvent(openEvent(), ctx([f], { serverTimeMs: new Map([[FOLLOWER, Date.UTC(2024, 0, 1, 7, 0)]]) })));
    expect(leg.action).toBe('open');
    expect(leg.action === 'open' && leg.reasons).toEqual([{ code: 'market_closed', detail: { symbol: 'EURUSD', nextOpen: Date.UTC(2024, 0, 1, 8, 0) } }]);
  });

  it('passes the slippage through', () => {
    expect(only(planEvent(openEvent(), ctx([follower()], { slippagePoints: 20 })))).toMatchObject({ slippage: 20 });
  });

  const cases: [string, Parameters<typeof follower>[0], Partial<Parameters<typeof ctx>[1]>, Partial<ReturnType<typeof openEvent>>, ReasonCode][] = [
    ['paused', { cfg: (c) => { c.paused = true; c.pausedReason = 'user'; } }, {}, {}, 'paused'],
    ['master paused', {}, { master: { accountId: MASTER, summary: summary(), paused: true } }, {}, 'master_paused'],
    ['close only', { cfg: (c) => (c.risk.closeOnly = true) }, {}, {}, 'close_only'],
    ['daily loss', { dayStartBalance: 10_000, summary: summary({ equity: 9_000 }), cfg: (c) => (c.risk.dailyLossLimit = 500) }, {}, {}, 'daily_loss_limit'],
    ['denied', { cfg: (c) => (c.filters.symbolsDeny = ['EURUSD']) }, {}, {}, 'symbol_denied'],
    ['not allowed', { cfg: (c) => (c.filters.symbolsAllow = ['GBPUSD']) }, {}, {}, 'symbol_not_allowed'],
    ['side', { cfg: (c) => (c.filters.sides = 'sell') }, {}, {}, 'side_filtered'],
    ['no symbol', {}, {}, { symbol: 'USDJPY' }, 'symbol_not_found'],
    ['no spec', { symbols: ['EURUSD', 'GBPUSD'] }, {}, { symbol: 'GBPUSD' }, 'spec_unknown'],
    ['disabled', { specs: new Map([['EURUSD', spec('EURUSD', { tradeMode: 'Disabled' })]]) }, {}, {}, 'trade_disabled'],
    ['close-only symbol', { specs: new Map([['EURUSD', spec('EURUSD', { tradeMode: 'CloseOnly' })]]) }, {}, {}, 'trade_close_only'],
    ['long only', { specs: new Map([['EURUSD', spec('EURUSD', { tradeMode: 'LongOnly' })]]) }, {}, { side: 'sell' }, 'trade_long_only'],
    ['short only', { specs: new Map([['EURUSD', spec('EURUSD', { tradeMode: 'ShortOnly' })]]) }, {}, {}, 'trade_short_only'],
    ['unknown mode', { specs: new Map([['EURUSD', spec('EURUSD', { tradeMode: 'Odd' })]]) }, {}, {}, 'trade_mode_restricted'],
    ['unknown balance', { summary: null, cfg: (c) => (c.sizing = { mode: 'balance_ratio', multiplier: 1 }) }, {}, {}, 'account_unknown'],
    ['bad multiplier', { cfg: (c) => (c.sizing = { mode: 'multiplier', multiplier: 0 }) }, {}, {}, 'invalid_sizing'],
    ['zero volume', {}, {}, { volume: 0 }, 'zero_volume'],
    ['below min', { cfg: (c) => (c.sizing = { mode: 'multiplier', multiplier: 0.1 }) }, {}, { volume: 0.05 }, 'below_min_volume'],
  ];
  it.each(cases)('skip: %s', (_name, f, c, e, code) => {
    expect(skipReason(planEvent(openEvent(e), ctx([follower(f)], c)))).toBe(code);
  });

  it('a triggered master pending is not copied again when the follower holds its copy', () => {
    const pendingLink = link({ masterTicket: 7001, kind: 'pending', followerTicket: 9100 });
    const ev = openEvent({ position: 7001, fromPendingOrder: 7001 });
    expect(skipReason(planEvent(ev, ctx([follower({ links: [pendingLink] })])))).toBe('pending_copy_exists');
    expect(skipReason(planEvent(ev, ctx([follower({ links: [{ ...pendingLink, status: 'detached' }] })])))).toBe('detached');
    expect(only(planEvent(ev, ctx([follower()]))).action).toBe('open');
  });
});

describe('planEvent: closes on a netting follower whose shares are on both sides', () => {
  it('a share on the net’s side closes by ticket; one on the other side trades against the net', () => {
    const buyShare = link({ masterTicket: 5001, volume: 0.4, side: 'buy' });
    const sellShare = link({ masterId: 'other', masterTicket: 1, volume: 0.6, side: 'sell' });
    const f = follower({ links: [buyShare, sellShare], marginMode: 'Netting' });
    // Net sell 0.2: the buy share's close is a Sell order that shrinks the buy share's link, adds none.
    const leg = only(planEvent(closeEvent({ position: 5001, volume: 1, volumeBefore: 1 }), ctx([f])));
    expect(leg).toMatchObject({ action: 'open', operation: 'Sell', side: 'sell', volume: 0.4, offsets: [{ followerTicket: 9001, volumeBefore: 0.4, volumeAfter: 0 }] });
    // A partial close of it, too (half of 0.4).
    expect(only(planEvent(closeEvent({ position: 5001, volume: 0.5, volumeBefore: 1 }), ctx([f])))).toMatchObject({ action: 'open', operation: 'Sell', volume: 0.2, offsets: [{ volumeAfter: 0.2, masterVolumeAfter: 0.5 }] });
    // Net buy 0.2 (the sell share smaller): the buy share's close is by ticket again.
    const g = follower({ links: [buyShare, { ...sellShare, volume: 0.2 }], marginMode: 'Netting' });
    expect(only(planEvent(closeEvent({ position: 5001, volume: 0.5, volumeBefore: 1 }), ctx([g])))).toMatchObject({ action: 'close', tickets: [{ ticket: 9001, volume: 0.2 }] });
  });
});

describe('planEvent: a master ticket is copied once', () => {
  it('a new position with a live copy (made by reconciliation meanwhile) is not opened again', () => {
    const ev = openEvent({ position: 5001 });
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link({ masterTicket: 5001 })] })])))).toBe('already_copied');
    // A pending copy of the same ticket (the master's pending filled, the copy's not yet) counts as a copy too.
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link({ masterTicket: 5001, kind: 'pending' })] })])))).toBe('already_copied');
    // Closed and detached links are not live copies: closed ones say nothing here, detached ones are the owner's.
    expect(only(planEvent(ev, ctx([follower({ links: [link({ masterTicket: 5001, status: 'closed' })] })]))).action).toBe('open');
  });

  it('a tagged row on the broker that the ledger never recorded blocks a second copy', () => {
    const ev = openEvent({ position: 5001 });
    expect(skipReason(planEvent(ev, ctx([follower({ copyTags: new Set([copyComment(MASTER, 5001)]) })])))).toBe('already_copied');
    expect(only(planEvent(ev, ctx([follower({ copyTags: new Set([copyComment(MASTER, 5002)]) })]))).action).toBe('open');
  });

  it('a netting add (the master position had lots before the deal) still opens next to the copy', () => {
    const ev = openEvent({ position: 5001, volume: 0.5, volumeBefore: 1 });
    expect(only(planEvent(ev, ctx([follower({ links: [link({ masterTicket: 5001 })] })]))).action).toBe('open');
  });

  it('a pending placement already copied (by reconciliation, or filled since) is not placed again', () => {
    const ev = pendingEvent({ order: 7001 });
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link({ masterTicket: 7001, kind: 'pending' })] })])))).toBe('already_copied');
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link({ masterTicket: 7001, kind: 'position' })] })])))).toBe('already_copied');
    expect(skipReason(planEvent(ev, ctx([follower({ copyTags: new Set([copyComment(MASTER, 7001)]) })])))).toBe('already_copied');
    expect(only(planEvent(ev, ctx([follower()]))).action).toBe('place_pending');
  });
});

describe('planEvent: closes', () => {
  it('full close closes each linked ticket whole and closes the links', () => {
    const links = [link(), link({ followerTicket: 9002, volume: 0.3 }), link({ masterTicket: 6000, followerTicket: 9003 })];
    const leg = only(planEvent(closeEvent(), ctx([follower({ links })])));
    expect(leg).toEqual({
      action: 'close',
      followerId: FOLLOWER,
      masterTicket: 5001,
      tickets: [{ ticket: 9001, volume: null }, { ticket: 9002, volume: null }],
      linkVolumes: [
        { masterTicket: 5001, followerTicket: 9001, volumeBefore: 1, volumeAfter: 0, masterVolumeAfter: 0 },
        { masterTicket: 5001, followerTicket: 9002, volumeBefore: 0.3, volumeAfter: 0, masterVolumeAfter: 0 },
      ],
      reasons: [],
    });
  });

  it('partial close takes the same fraction of each follower position, rounded down', () => {
    const links = [link({ volume: 0.35 }), link({ followerTicket: 9002, volume: 0.07 })];
    const leg = only(planEvent(closeEvent({ volume: 0.4, volumeBefore: 1 }), ctx([follower({ links })])));
    expect(leg).toMatchObject({
      action: 'close',
      tickets: [{ ticket: 9001, volume: 0.14 }, { ticket: 9002, volume: 0.02 }],
      linkVolumes: [
        { followerTicket: 9001, volumeBefore: 0.35, volumeAfter: 0.21, masterVolumeAfter: 0.6 },
        { followerTicket: 9002, volumeBefore: 0.07, volumeAfter: 0.05, masterVolumeAfter: 0.6 },
      ],
    });
    expect(codes(leg)).toEqual(['partial_close']);
  });

  it('a partial close the ledger already reflects (a reconciliation sized the copy to the master after it) is not applied again', () => {
    // Master 0.21 → 0.05 (deal A) → 0.04 (deal B). Reconciliation fixed the copy to 0.05 lots for the master's 0.05
    // before deal A's event came through (a replay after a takeover): deal A finds nothing left to do.
    const fixed = [link({ volume: 0.05, masterVolume: 0.05 })];
    const late = planEvent(closeEvent({ volume: 0.16, volumeBefore: 0.21 }), ctx([follower({ links: fixed })]));
    expect(skipReason(late)).toBe('close_already_reflected');
    // Deal B, next in line, applies as usual.
    expect(only(planEvent(closeEvent({ volume: 0.01, volumeBefore: 0.05 }), ctx([follower({ links: fixed })])))).toMatchObject({ action: 'close', tickets: [{ ticket: 9001, volume: 0.01 }] });
    // A copy whose link is behind (a close it missed) still takes this close's fraction, as do links of which only one
    // is at the result (a master add copied as a second link); and a full close always closes.
    expect(only(planEvent(closeEvent({ volume: 0.16, volumeBefore: 0.21 }), ctx([follower({ links: [link({ volume: 0.3, masterVolume: 0.3 })] })])))).toMatchObject({ action: 'close' });
    const added = [link({ volume: 0.1, masterVolume: 0.1 }), link({ followerTicket: 9002, volume: 0.1, masterVolume: 0.2 })];
    expect(only(planEvent(closeEvent({ volume: 0.1, volumeBefore: 0.2 }), ctx([follower({ links: added })])))).toMatchObject({ action: 'close', tickets: [{ ticket: 9001, volume: 0.05 }, { ticket: 9002, volume: 0.05 }] });
    expect(only(planEvent(closeEvent({ volume: 0.21, volumeBefore: 0.21 }), ctx([follower({ links: fixed })])))).toMatchObject({ action: 'close', tickets: [{ ticket: 9001, volume: null }] });
  });

  it('a remainder below the minimum closes the whole', () => {
    const specs = new Map([['EURUSD', spec('EURUSD', { volumeMin: 0.1 })]]);
    const leg = only(planEvent(closeEvent({ volume: 0.7, volumeBefore: 1 }), ctx([follower({ specs, links: [link({ volume: 0.25 })] })])));
    expect(leg).toMatchObject({ tickets: [{ ticket: 9001, volume: null }], linkVolumes: [{ volumeAfter: 0 }] });
    expect(codes(leg)).toEqual(['partial_close', 'close_remainder_below_min']);
  });

  it('a fraction below one step closes nothing (close_below_step)', () => {
    const leg = only(planEvent(closeEvent({ volume: 0.1, volumeBefore: 1 }), ctx([follower({ links: [link({ volume: 0.05 })] })])));
    expect(leg).toMatchObject({ action: 'skip', reason: 'close_below_step' });
  });

  it('netting: closes only this master position’s share of the shared follower position', () => {
    const links = [link({ volume: 0.2 }), link({ masterTicket: 5002, volume: 0.3 }), link({ masterId: 'other', masterTicket: 1, volume: 0.1 })];
    const f = follower({ marginMode: 'Netting', links });
    expect(only(planEvent(closeEvent(), ctx([f])))).toMatchObject({
      action: 'close',
      tickets: [{ ticket: 9001, volume: 0.2 }],
      reasons: [{ code: 'shared_position', detail: { ticket: 9001, volume: 0.2 } }],
    });
    expect(only(planEvent(closeEvent({ volume: 0.5, volumeBefore: 1 }), ctx([f])))).toMatchObject({
      tickets: [{ ticket: 9001, volume: 0.1 }],
      linkVolumes: [{ volumeAfter: 0.1 }],
    });
  });

  it('paused and close-only followers still close; detached and unknown links are skipped', () => {
    const paused = follower({ links: [link()], cfg: (c) => { c.paused = true; c.risk.closeOnly = true; } });
    expect(only(planEvent(closeEvent(), ctx([paused]))).action).toBe('close');
    expect(skipReason(planEvent(closeEvent(), ctx([follower({ links: [link({ status: 'detached' })] })])))).toBe('detached');
    expect(skipReason(planEvent(closeEvent(), ctx([follower({ links: [link({ status: 'closed' })] })])))).toBe('no_link');
    expect(skipReason(planEvent(closeEvent(), ctx([follower()])))).toBe('no_link');
  });

  it('a partial close without the follower spec is skipped (spec_unknown), a full one is not', () => {
    const f = follower({ specs: new Map(), links: [link()] });
    expect(skipReason(planEvent(closeEvent({ volume: 0.5 }), ctx([f])))).toBe('spec_unknown');
    expect(only(planEvent(closeEvent(), ctx([f]))).action).toBe('close');
  });

  it('full close deletes a follower pending copy that never triggered', () => {
    const legs = planEvent(closeEvent({ position: 7001 }), ctx([follower({ links: [link({ masterTicket: 7001, kind: 'pending', followerTicket: 9100 })] })]));
    expect(legs).toEqual([{ action: 'delete_pending', followerId: FOLLOWER, masterTicket: 7001, ticket: 9100, reasons: [] }]);
  });

  it('property: partial closes never over-close and linked volumes add up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(0.01, 0.1),
        (linkSteps, a, b, min) => {
          const [closed, before] = a <= b ? [a, b] : [b, a];
          const links = linkSteps.map((s, i) => link({ followerTicket: 9000 + i, volume: Math.max(s / 100, min) }));
          const specs = new Map([['EURUSD', spec('EURUSD', { volumeMin: min })]]);
          const legs = planEvent(closeEvent({ volume: closed / 100, volumeBefore: before / 100 }), ctx([follower({ specs, links })]));
          for (const leg of legs) {
            if (leg.action !== 'close') continue;
            for (const change of leg.linkVolumes) {
              const l = links.find((x) => x.followerTicket === change.followerTicket);
              expect(l).toBeDefined();
              const t = leg.tickets.find((x) => x.ticket === change.followerTicket);
              const closedLots = t?.volume ?? l?.volume ?? 0;
              expect(closedLots).toBeLessThanOrEqual((l?.volume ?? 0) + 1e-12);
              expect(Math.round((closedLots + change.volumeAfter) * 100)).toBe(Math.round(change.volumeBefore * 100));
              expect(change.volumeAfter === 0 || change.volumeAfter >= min - 1e-12).toBe(true);
              if (closed === before) expect(change.volumeAfter).toBe(0);
              // Rounded DOWN: never more than the fraction unless the whole closes for a tiny remainder.
              if (change.volumeAfter > 0) expect(closedLots).toBeLessThanOrEqual(change.volumeBefore * (closed / before) + 1e-9);
            }
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('planEvent: modifications', () => {
  it('sends only the changed side, absolute', () => {
    const leg = only(planEvent(modifyEvent({ stopLoss: 1.095, previousStopLoss: 1.09, takeProfit: 1.12, previousTakeProfit: 1.12 }), ctx([follower({ links: [link()] })])));
    expect(leg).toEqual({ action: 'modify', followerId: FOLLOWER, masterTicket: 5001, ticket: 9001, stopLoss: 1.095, reasons: [] });
  });

  it('sends 0 only when the master removed the level', () => {
    const leg = only(planEvent(modifyEvent({ stopLoss: 0, previousStopLoss: 1.09, takeProfit: 1.12, previousTakeProfit: 1.12 }), ctx([follower({ links: [link()] })])));
    expect(leg).toMatchObject({ action: 'modify', stopLoss: 0 });
    expect('takeProfit' in leg).toBe(false);
  });

  it('reverse copy: a master SL change moves the follower TP', () => {
    const leg = only(planEvent(modifyEvent({ stopLoss: 1.095, previousStopLoss: 1.09 }), ctx([follower({ links: [link({ side: 'sell' })], cfg: (c) => (c.filters.reverse = true) })])));
    expect(leg).toMatchObject({ action: 'modify', takeProfit: 1.095 });
    expect('stopLoss' in leg).toBe(false);
  });

  it('rounds to the follower digits', () => {
    const leg = only(planEvent(modifyEvent({ stopLoss: 1.0950000000001, previousStopLoss: 0 }), ctx([follower({ links: [link()] })])));
    expect(leg).toMatchObject({ stopLoss: 1.095 });
  });

  it('skips: copy SL/TP off, nothing changed, shared netting position, no link, detached', () => {
    const ev = modifyEvent({ stopLoss: 1.095, previousStopLoss: 1.09 });
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link()], cfg: (c) => (c.filters.copySlTp = false) })])))).toBe('sl_tp_not_copied');
    expect(skipReason(planEvent(modifyEvent(), ctx([follower({ links: [link()] })])))).toBe('no_change');
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link(), link({ masterTicket: 5002 })] })])))).toBe('shared_position');
    expect(skipReason(planEvent(ev, ctx([follower()])))).toBe('no_link');
    expect(skipReason(planEvent(ev, ctx([follower({ links: [link({ status: 'detached' })] })])))).toBe('detached');
  });

  it('paused followers keep their copies’ stops in sync', () => {
    const ev = modifyEvent({ stopLoss: 1.095, previousStopLoss: 1.09 });
    expect(only(planEvent(ev, ctx([follower({ links: [link()], cfg: (c) => (c.paused = true) })]))).action).toBe('modify');
  });
});

describe('planEvent: pending orders', () => {
  it('places a tagged pending copy', () => {
    const leg = only(planEvent(pendingEvent(), ctx([follower()])));
    expect(leg).toMatchObject({ action: 'place_pending', operation: 'BuyLimit', side: 'buy', price: 1.095, stopLoss: 1.09, takeProfit: 1.11, volume: 1, comment: copyComment(MASTER, 7001), masterTicket: 7001 });
  });

  it('reverse: BuyLimit → SellStop at the same trigger, SL↔TP', () => {
    const leg = only(planEvent(pendingEvent(), ctx([follower({ cfg: (c) => (c.filters.reverse = true) })])));
    expect(leg).toMatchObject({ action: 'place_pending', operation: 'SellStop', side: 'sell', price: 1.095, stopLoss: 1.11, takeProfit: 1.09 });
  });

  it('skips when pendings are not copied, for stop-limits, paused, close-only', () => {
    expect(skipReason(planEvent(pendingEvent(), ctx([follower({ cfg: (c) => (c.filters.copyPending = false) })])))).toBe('pending_not_copied');
    expect(skipReason(planEvent(pendingEvent({ operation: 'BuyStopLimit' }), ctx([follower()])))).toBe('unsupported_order_type');
    expect(skipReason(planEvent(pendingEvent({ operation: 'Buy' }), ctx([follower()])))).toBe('unsupported_order_type');
    expect(skipReason(planEvent(pendingEvent(), ctx([follower({ cfg: (c) => (c.paused = true) })])))).toBe('paused');
    expect(skipReason(planEvent(pendingEvent(), ctx([follower({ cfg: (c) => (c.risk.closeOnly = true) })])))).toBe('close_only');
  });

  it('moves and deletes linked pending copies', () => {
    const links = [link({ masterTicket: 7001, kind: 'pending', followerTicket: 9100 })];
    const mod: MasterEvent = { kind: 'pending_modify', masterId: MASTER, eventId: 'x', detectedAt: 0, order: 7001, symbol: 'EURUSD', operation: 'BuyLimit', price: 1.094, stopLoss: 1.089, takeProfit: 0 };
    expect(only(planEvent(mod, ctx([follower({ links })])))).toEqual({ action: 'modify', followerId: FOLLOWER, masterTicket: 7001, ticket: 9100, price: 1.094, stopLoss: 1.089, takeProfit: 0, reasons: [] });
    expect(only(planEvent(mod, ctx([follower({ links, cfg: (c) => (c.filters.copySlTp = false) })])))).toEqual({
      action: 'modify', followerId: FOLLOWER, masterTicket: 7001, ticket: 9100, price: 1.094, reasons: [{ code: 'sl_tp_not_copied', detail: {} }],
    });
    const del: MasterEvent = { kind: 'pending_delete', masterId: MASTER, eventId: 'y', detectedAt: 0, order: 7001, symbol: 'EURUSD', operation: 'BuyLimit' };
    expect(only(planEvent(del, ctx([follower({ links, cfg: (c) => (c.paused = true) })])))).toEqual({ action: 'delete_pending', followerId: FOLLOWER, masterTicket: 7001, ticket: 9100, reasons: [] });
    expect(skipReason(planEvent(del, ctx([follower()])))).toBe('no_link');
    expect(skipReason(planEvent(del, ctx([follower({ cfg: (c) => (c.filters.copyPending = false) })])))).toBe('pending_not_copied');
    expect(skipReason(planEvent(mod, ctx([follower({ links: [{ ...links[0]!, status: 'detached' }] })])))).toBe('detached');
  });
});

describe('planner safety property', () => {
  const eventArb: fc.Arbitrary<MasterEvent> = fc.oneof(
    fc.record({ volume: fc.integer({ min: 1, max: 500 }), side: fc.constantFrom('buy' as const, 'sell' as const), pos: fc.integer({ min: 5000, max: 5003 }) }).map(({ volume, side, pos }) =>
      openEvent({ volume: volume / 100, side, position: pos, fromPendingOrder: pos % 2 === 0 ? pos : null }),
    ),
    fc.record({ op: fc.constantFrom('BuyLimit', 'SellLimit', 'BuyStop', 'SellStop'), order: fc.integer({ min: 5000, max: 5003 }) }).map(({ op, order }) => pendingEvent({ operation: op, order })),
    fc.integer({ min: 5000, max: 5003 }).map((p) => closeEvent({ position: p, volume: 0.5, volumeBefore: 1 })),
  );
  const linkArb = fc.record({
    masterTicket: fc.integer({ min: 5000, max: 5003 }),
    kind: fc.constantFrom('position' as const, 'pending' as const),
    status: fc.constantFrom('open' as const, 'detached' as const, 'closed' as const),
    followerTicket: fc.integer({ min: 9000, max: 9005 }),
  });

  it('never emits an open or pending placement for a paused, close-only or detached follower copy', () => {
    fc.assert(
      fc.property(eventArb, fc.boolean(), fc.boolean(), fc.array(linkArb, { maxLength: 5 }), (ev, paused, closeOnly, ls) => {
        const links = ls.map((l) => link(l));
        const f = follower({ links, cfg: (c) => { c.paused = paused; c.risk.closeOnly = closeOnly; } });
        const legs = planEvent(ev, ctx([f]));
        expect(legs.length).toBeGreaterThanOrEqual(1);
        for (const leg of legs) {
          const opens = leg.action === 'open' || leg.action === 'place_pending';
          if (paused || closeOnly) expect(opens).toBe(false);
          if (ev.kind === 'open' && ev.fromPendingOrder !== null && links.some((l) => l.masterTicket === ev.fromPendingOrder && l.status === 'detached')) {
            expect(opens).toBe(false);
          }
          // Nothing is ever planned on a detached or closed link's ticket.
          const touched = leg.action === 'close' ? leg.tickets.map((t) => t.ticket) : leg.action === 'modify' || leg.action === 'delete_pending' ? [leg.ticket] : [];
          for (const t of touched) {
            expect(links.some((l) => l.followerTicket === t && l.status === 'open')).toBe(true);
          }
          if (leg.action === 'skip') expect(REASON_CODES).toContain(leg.reason);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
