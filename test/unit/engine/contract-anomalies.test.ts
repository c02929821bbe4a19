/** Contract anomalies: which stream events are one, the once-per-key report, and the wait for explaining deals. */
import { describe, expect, it } from 'vitest';
import type { TicketChange } from '../../../src/domain/ticket-change.js';
import type { TradeDeal } from '../../../src/domain/trading.js';
import { ContractAnomalies, frameAnomaly, ticketChangeAnomaly } from '../../../src/engine/contract-anomalies.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import type { Clock, Logger } from '../../../src/engine/ports.js';
import { TicketChangeWatch } from '../../../src/engine/ticket-change-watch.js';
import { decodeFrame } from '../../../src/fxsocket/index.js';
import { rawFixture } from '../fxsocket/fixtures.js';

/** A clock the test moves by hand (a hand-written fake). */
function manualClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 1_000;
  let timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + ms, fn, live: true };
      timers.push(timer);
      return { cancel: () => void (timer.live = false) };
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        now = due.at;
        due.live = false;
        due.fn();
      }
      now = until;
      timers = timers.filter((t) => t.live);
    },
    pending: () => timers.filter((t) => t.live).length,
  };
}

function memoryLog(): Logger & { lines: { level: string; msg: string | undefined; obj: object }[] } {
  const lines: { level: string; msg: string | undefined; obj: object }[] = [];
  const log: Logger & { lines: typeof lines } = {
    lines,
    debug: (obj, msg) => void lines.push({ level: 'debug', msg, obj }),
    info: (obj, msg) => void lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => void lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => void lines.push({ level: 'error', msg, obj }),
    child: () => log,
  };
  return log;
}

describe('frameAnomaly', () => {
  it('an unknown frame type is one; the contract frames that pass through as `other` are not', () => {
    const unknown = frameAnomaly(decodeFrame(rawFixture('ws/unknown-type.json')));
    expect(unknown).toEqual({ kind: 'unknown_frame', ticket: null, detail: 'frame type "moon_phase" is not in the contract: {"type":"moon_phase","value":3}' });
    for (const path of ['ws/subscribed.json', 'ws/subscribed-again.json', 'ws/unsubscribed.json', 'ws/subscriptions.json', 'ws/bar.json']) {
      const event = decodeFrame(rawFixture(path));
      expect(event.type).toBe('other');
      expect(frameAnomaly(event)).toBeNull();
    }
  });

  it('a known type in a shape the client cannot read is a malformed frame; good frames are none', () => {
    const bad = frameAnomaly(decodeFrame(rawFixture('anomaly/positions-object-data.json')));
    expect(bad?.kind).toBe('malformed_frame');
    expect(bad?.ticket).toBeNull();
    expect(bad?.detail).toMatch(/^malformed frame: data: .*; frame: \{/);
    expect(frameAnomaly(decodeFrame('not json'))?.kind).toBe('malformed_frame');
    for (const path of ['ws/positions.json', 'ws/trade-in.json', 'ws/account.json', 'ws/tick.json', 'ws/terminal.json', 'ws/warning.json', 'ws/error.json']) {
      expect(frameAnomaly(decodeFrame(rawFixture(path)))).toBeNull();
    }
  });

  it('quotes a long frame only in part', () => {
    const anomaly = frameAnomaly({ type: 'other', frame: { type: 'blob', data: 'x'.repeat(5_000) } });
    expect(anomaly?.detail.length).toBeLessThan(200);
    expect(anomaly?.detail.endsWith('…')).toBe(true);
  });
});

describe('ContractAnomalies', () => {
  it('reports each (account, kind, ticket) once per process, with the account name', () => {
    const events: CopierEvent[] = [];
    const log = memoryLog();
    const clock = manualClock();
    const anomalies = new ContractAnomalies({ clock, log, accountName: (id) => (id === 'm1' ? 'Demo Master' : id), emit: (e) => void events.push(e) });
    const unknown = { kind: 'unknown_frame' as const, ticket: null, detail: 'frame type "x"' };
    expect(anomalies.report('m1', 'master', unknown)).toBe(true);
    expect(anomalies.report('m1', 'master', { ...unknown, detail: 'frame type "y"' })).toBe(false);
    expect(anomalies.report('f1', 'follower', unknown)).toBe(true);
    expect(anomalies.report('m1', 'master', { kind: 'malformed_frame', ticket: null, detail: 'd' })).toBe(true);
    expect(anomalies.report('m1', 'master', { kind: 'ticket_changed_without_deal', ticket: 5001, detail: 'a' })).toBe(true);
    expect(anomalies.report('m1', 'master', { kind: 'ticket_changed_without_deal', ticket: 5002, detail: 'b' })).toBe(true);
    expect(anomalies.report('m1', 'master', { kind: 'ticket_changed_without_deal', ticket: 5001, detail: 'c' })).toBe(false);
    expect(events.map((e) => (e.type === 'contract_anomaly' ? [e.accountId, e.kind, e.ticket] : null))).toEqual([
      ['m1', 'unknown_frame', null],
      ['f1', 'unknown_frame', null],
      ['m1', 'malformed_frame', null],
      ['m1', 'ticket_changed_without_deal', 5001],
      ['m1', 'ticket_changed_without_deal', 5002],
    ]);
    expect(events[0]).toEqual({ type: 'contract_anomaly', at: 1_000, accountId: 'm1', accountName: 'Demo Master', role: 'master', kind: 'unknown_frame', ticket: null, detail: 'frame type "x"' });
    expect(anomalies.stats()).toEqual({ reported: 5, repeated: 2 });
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(5);
  });

  it('words a ticket change with both tickets', () => {
    const change: TicketChange = { from: 5001, to: 5009, symbol: 'EURUSD', side: 'buy', fromLots: 0.5, toLots: 0.5 };
    expect(ticketChangeAnomaly(change)).toEqual({
      kind: 'ticket_changed_without_deal',
      ticket: 5001,
      detail: '#5001 (buy 0.5 EURUSD) left the positions list and #5009 (buy 0.5 EURUSD) appeared, with no trade frame for either; #5009 is not copied as a new open',
    });
  });
});

describe('TicketChangeWatch', () => {
  const change: TicketChange = { from: 5001, to: 5009, symbol: 'EURUSD', side: 'buy', fromLots: 0.5, toLots: 0.5 };
  const deal = (over: Partial<TradeDeal>): TradeDeal => ({
    deal: 77,
    order: 0,
    position: 0,
    symbol: 'EURUSD',
    type: 'Buy',
    entry: 'In',
    volume: 0.5,
    price: 1.1,
    profit: 0,
    commission: 0,
    swap: 0,
    magic: 0,
    comment: '',
    time: 't',
    degraded: false,
    ...over,
  });

  function setup(busy = () => false) {
    const clock = manualClock();
    const unexplained: TicketChange[] = [];
    const watch = new TicketChangeWatch({ clock, graceMs: 500, busy, onUnexplained: (c) => void unexplained.push(c) });
    return { clock, watch, unexplained };
  }

  it('a change no trade frame explains is reported when the grace period ends, once', () => {
    const { clock, watch, unexplained } = setup();
    watch.listed([change]);
    expect(watch.tickets()).toEqual([5001, 5009]);
    clock.advance(499);
    expect(unexplained).toEqual([]);
    watch.deal(deal({ position: 6000, order: 6000 }));
    clock.advance(1);
    expect(unexplained).toEqual([change]);
    clock.advance(10_000);
    expect(unexplained).toHaveLength(1);
    expect(watch.waiting).toBe(0);
    // Reported, and still left alone by reconciliation, through a stream gap, until a deal of either ticket comes.
    expect(watch.tickets()).toEqual([5001, 5009]);
    watch.reset();
    expect(watch.tickets()).toEqual([5001, 5009]);
    watch.deal(deal({ position: 5009, order: 5077, entry: 'Out' }));
    expect(watch.tickets()).toEqual([]);
  });

  it('a deal of the new ticket, or of the old one, explains it', () => {
    for (const explaining of [deal({ position: 5009, order: 5009, entry: 'In' }), deal({ position: 5001, order: 5044, entry: 'Out' }), deal({ position: 0, order: 5009, entry: 'Unknown', degraded: true })]) {
      const { clock, watch, unexplained } = setup();
      watch.listed([change]);
      watch.deal(explaining);
      clock.advance(1_000);
      expect(unexplained).toEqual([]);
      expect(clock.pending()).toBe(0);
    }
  });

  it('a gap in the stream drops what waits', () => {
    const { clock, watch, unexplained } = setup();
    watch.listed([change]);
    watch.reset();
    clock.advance(1_000);
    expect(unexplained).toEqual([]);
  });

  it('while frames wait behind a lookup or a held deal, the grace period starts again', () => {
    let busy = true;
    const { clock, watch, unexplained } = setup(() => busy);
    watch.listed([change]);
    clock.advance(1_600);
    expect(unexplained).toEqual([]);
    busy = false;
    watch.deal(deal({ position: 5009, order: 5009 }));
    clock.advance(1_000);
    expect(unexplained).toEqual([]);
    watch.listed([change]);
    busy = true;
    clock.advance(600);
    busy = false;
    clock.advance(500);
    expect(unexplained).toEqual([change]);
  });
});
