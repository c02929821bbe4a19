/**
 * The master feed on a real TerminalStream against a `ws` server on loopback that replays recorded frames
 * (test/fixtures/fxsocket/anomaly/): frames the contract does not describe and a ticket that changed without a deal
 * are reported, and change nothing; a ticket change that its deals explain (even when they come after the list) is
 * not an anomaly.
 */
import type { AddressInfo } from 'node:net';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';

import type { MasterEvent } from '../../../src/domain/events.js';
import { systemClock } from '../../../src/engine/clock.js';
import type { StreamAnomaly } from '../../../src/engine/contract-anomalies.js';
import { MasterFeed } from '../../../src/engine/master-feed.js';
import type { TerminalPort } from '../../../src/engine/ports.js';
import { TerminalStream } from '../../../src/fxsocket/index.js';
import { rawFixture } from '../../unit/fxsocket/fixtures.js';
import { until } from './harness.js';

const MASTER = '5b9d7e1a-3c42-4f8e-9a61-2d0c8b7e4f13';
const TOPICS = ['trades', 'positions', 'terminal', 'account'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Sends `frames` once the client has subscribed to every topic the master feed needs. */
async function replay(frames: string[]): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket: ServerSocket) => {
    const subscribed = new Set<string>();
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { action?: string; topic?: string };
      if (msg.action !== 'subscribe' || typeof msg.topic !== 'string') return;
      subscribed.add(msg.topic);
      socket.send(JSON.stringify({ type: 'subscribed', topic: msg.topic, message: `subscribed to ${msg.topic}` }));
      if (subscribed.size === TOPICS.length) for (const frame of frames) socket.send(frame);
    });
  });
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/mt5/${MASTER}/ws`;
}

const unusedTerminal = new Proxy({} as TerminalPort, {
  get: (_t, name) => (name === 'accountId' ? MASTER : () => Promise.reject(new Error(`unexpected terminal call ${String(name)}`))),
});

function feedOn(url: string, anomalyGraceMs = 100) {
  const stream = new TerminalStream({ accountId: MASTER, url, apiKey: 'fxs_live_anomaly_key', pingIntervalMs: 0 });
  const events: MasterEvent[] = [];
  const anomalies: StreamAnomaly[] = [];
  const feed = new MasterFeed({
    masterId: MASTER,
    stream,
    terminal: unusedTerminal,
    clock: systemClock,
    log: pino({ level: 'silent' }),
    anomalyGraceMs,
    handlers: {
      onEvents: (e) => void events.push(...e),
      onConnection: () => undefined,
      onResync: () => undefined,
      onSplits: () => undefined,
      onAnomaly: (a) => void anomalies.push(a),
    },
  });
  cleanups.push(() => feed.close());
  feed.start();
  return { feed, events, anomalies };
}

const snapshot = rawFixture('silent/positions-snapshot.json');
const changed = rawFixture('anomaly/positions-ticket-changed.json');
const account = rawFixture('ws/account.json');

/** The In deal of the ticket the changed list shows, as a trade frame. */
function inDealOf(ticket: number): string {
  const frame = JSON.parse(rawFixture('ws/trade-in.json')) as { data: Record<string, unknown> };
  Object.assign(frame.data, { deal: ticket + 1, order: ticket, position: ticket, volume: 0.5, price: 1.08412, magic: 0, comment: '' });
  return JSON.stringify(frame);
}

/** The changed list, and then XAUUSD 81234601 renumbered to 81239998 too (an unexplained change used as a barrier). */
function changedAgain(): string {
  const frame = JSON.parse(changed) as { data: { ticket: number; symbol: string }[] };
  for (const row of frame.data) if (row.ticket === 81234601) row.ticket = 81239998;
  return JSON.stringify(frame);
}

describe('master feed: contract anomalies on recorded frames', () => {
  it('unknown and unreadable frames are reported and change nothing', async () => {
    const url = await replay([snapshot, rawFixture('anomaly/order-update.json'), rawFixture('ws/unknown-type.json'), rawFixture('anomaly/positions-object-data.json'), account]);
    const { feed, events, anomalies } = feedOn(url);
    await until(() => feed.summary !== null, 5_000, 'the account frame after the anomalies');
    expect(anomalies.map((a) => a.kind)).toEqual(['unknown_frame', 'unknown_frame', 'malformed_frame']);
    expect(anomalies[0]?.detail).toContain('"order_update"');
    expect(anomalies[1]?.detail).toContain('"moon_phase"');
    // The unreadable positions frame did not read as "no positions": the book still holds the snapshot.
    expect([...feed.book.positions.keys()].sort()).toEqual([81234567, 81234601]);
    expect(events).toEqual([]);
  });

  it('a ticket that changed without any trade frame is reported, and the new ticket is not copied', async () => {
    const url = await replay([snapshot, changed]);
    const { feed, events, anomalies } = feedOn(url);
    await until(() => anomalies.length > 0, 5_000, 'the ticket-change anomaly');
    expect(anomalies).toEqual([
      {
        kind: 'ticket_changed_without_deal',
        ticket: 81234567,
        detail:
          '#81234567 (buy 0.5 EURUSD) left the positions list and #81239999 (buy 0.5 EURUSD) appeared, with no trade frame for either; #81239999 is not copied as a new open',
      },
    ]);
    expect(events).toEqual([]);
    // The book follows the list (as for any position that appears without a deal), but counts no lots from a deal.
    expect(feed.book.positions.get(81239999)).toMatchObject({ dealVolume: 0, seenInList: true });
  });

  it('while a change waits for its deals, reconciliation is told to leave both tickets to the live path', async () => {
    const url = await replay([snapshot, changed]);
    const { feed, anomalies } = feedOn(url, 60_000);
    await until(() => feed.book.positions.has(81239999), 5_000, 'the changed list');
    expect(feed.heldTickets().sort()).toEqual([81234567, 81239999]);
    expect(anomalies).toEqual([]);
  });

  it('the In deal of the new ticket, arriving after the list, explains the change: an open, no anomaly', async () => {
    const url = await replay([snapshot, changed, inDealOf(81239999), changedAgain()]);
    const { events, anomalies } = feedOn(url);
    // The XAUUSD renumbering after it has no deal: its report, after its own grace period, is the barrier.
    await until(() => anomalies.length > 0, 5_000, 'the barrier anomaly');
    expect(anomalies.map((a) => a.ticket)).toEqual([81234601]);
    expect(events.map((e) => [e.kind, e.kind === 'open' ? e.position : null])).toEqual([['open', 81239999]]);
  });
});
