import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Stats } from '../stats.js';
import type { Terminal } from '../terminal.js';

/** Topics of §4.2. */
export type Topic = 'prices' | 'bars' | 'account' | 'positions' | 'trades' | 'terminal';
const TOPICS = new Set<string>(['prices', 'bars', 'account', 'positions', 'trades', 'terminal']);
const TIMEFRAMES = new Set(['M1', 'M2', 'M3', 'M5', 'M15', 'M30', 'H1', 'H2', 'H4', 'H6', 'H8', 'H12', 'D1', 'W1', 'MN1']);
const MT5_ONLY_TIMEFRAMES = new Set(['M2', 'M3', 'H2', 'H6', 'H8', 'H12']);
/** A slow reader with more than this queued loses frames (and later gets a `warning`), §4.6. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** What the hub needs from the simulator to answer subscriptions. */
export interface HubHost {
  snapshot(t: Terminal, topic: Topic, symbol?: string): string | undefined;
  hasSymbol(t: Terminal, symbol: string): boolean;
  /** Called when a price/bar subscription starts or stops, so the simulator tracks what to stream. */
  subscriptionsChanged(t: Terminal): void;
}

interface Sub {
  topic: Topic;
  symbol?: string;
  timeframe?: string;
}

/** One client socket. */
class Session {
  readonly subs = new Map<string, Sub>();
  dropped = 0;
  constructor(
    readonly ws: WebSocket,
    readonly channel: Channel,
  ) {}
}

/** All sockets of one account, with per-topic subscriber counts for cheap "anyone listening?" checks. */
class Channel {
  readonly sessions = new Set<Session>();
  readonly counts = new Map<string, number>();
  warningScheduled = false;
  constructor(readonly terminal: Terminal) {}

  listening(key: string): boolean {
    return (this.counts.get(key) ?? 0) > 0;
  }
}

function subKey(topic: Topic, symbol?: string, timeframe?: string): string {
  if (topic === 'prices') return `prices:${symbol ?? ''}`;
  if (topic === 'bars') return `bars:${symbol ?? ''}:${timeframe ?? ''}`;
  return topic;
}

/**
 * The terminal WebSocket endpoint of every account: subscriptions, acks, snapshots and broadcasts. Frames are
 * serialized once by the caller and sent as the same buffer to every subscriber.
 */
export class Hub {
  readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  readonly #channels = new Map<string, Channel>();

  constructor(
    readonly host: HubHost,
    readonly stats: Stats,
  ) {}

  /** Completes an authenticated upgrade for a terminal. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, terminal: Terminal): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      let ch = this.#channels.get(terminal.id);
      if (!ch) {
        ch = new Channel(terminal);
        this.#channels.set(terminal.id, ch);
      }
      const session = new Session(ws, ch);
      ch.sessions.add(session);
      ws.on('message', (data, isBinary) => this.#onMessage(session, isBinary ? '' : data.toString()));
      ws.on('close', () => this.#detach(session));
      ws.on('error', () => ws.terminate());
    });
  }

  #detach(s: Session): void {
    const ch = s.channel;
    if (!ch.sessions.delete(s)) return;
    for (const key of s.subs.keys()) ch.counts.set(key, (ch.counts.get(key) ?? 1) - 1);
    const hadMarket = [...s.subs.values()].some((x) => x.topic === 'prices' || x.topic === 'bars');
    s.subs.clear();
    if (ch.sessions.size === 0) this.#channels.delete(ch.terminal.id);
    if (hadMarket) this.host.subscriptionsChanged(ch.terminal);
  }

  #reply(s: Session, obj: object): void {
    this.#deliver(s, Buffer.from(JSON.stringify(obj)));
  }

  #onMessage(s: Session, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.#reply(s, { type: 'error', topic: '', message: 'invalid JSON' });
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.#reply(s, { type: 'error', topic: '', message: 'expected a JSON object' });
      return;
    }
    const m = msg as Record<string, unknown>;
    const action = m['action'];
    if (action === 'list') {
      this.#reply(s, { type: 'subscriptions', data: [...s.subs.values()] });
      return;
    }
    const topicRaw = typeof m['topic'] === 'string' ? m['topic'] : '';
    if (action !== 'subscribe' && action !== 'unsubscribe') {
      this.#reply(s, { type: 'error', topic: topicRaw, message: `unknown action ${JSON.stringify(action ?? null)}` });
      return;
    }
    if (!TOPICS.has(topicRaw)) {
      this.#reply(s, { type: 'error', topic: topicRaw, message: `unknown topic ${JSON.stringify(topicRaw)}` });
      return;
    }
    const topic = topicRaw as Topic;
    const symbol = typeof m['symbol'] === 'string' ? m['symbol'] : undefined;
    const timeframe = typeof m['timeframe'] === 'string' ? m['timeframe'] : undefined;
    const t = s.channel.terminal;
    if (topic === 'prices' || topic === 'bars') {
      if (!symbol) return this.#reply(s, { type: 'error', topic, message: 'symbol is required' });
      if (!this.host.hasSymbol(t, symbol)) return this.#reply(s, { type: 'error', topic, message: `unknown symbol ${symbol}` });
    }
    if (topic === 'bars') {
      if (!timeframe || !TIMEFRAMES.has(timeframe)) return this.#reply(s, { type: 'error', topic, message: `invalid timeframe ${timeframe ?? ''}` });
      if (t.account.platform === 'mt4' && MT5_ONLY_TIMEFRAMES.has(timeframe)) {
        return this.#reply(s, { type: 'error', topic, message: `timeframe ${timeframe} is not supported on MT4` });
      }
    }
    const key = subKey(topic, symbol, timeframe);
    const ch = s.channel;
    const sub: Sub = { topic };
    if (symbol !== undefined && (topic === 'prices' || topic === 'bars')) sub.symbol = symbol;
    if (timeframe !== undefined && topic === 'bars') sub.timeframe = timeframe;
    if (action === 'subscribe') {
      const variant = t.account.variant;
      // Snapshot on subscribe for account, positions and prices (§4.3); trades and bars have none.
      const snapshot = (): string | undefined => (topic === 'account' || topic === 'positions' || topic === 'prices' ? this.host.snapshot(t, topic, symbol) : undefined);
      if (s.subs.has(key)) {
        this.#reply(s, { type: 'subscribed', topic, message: 'already subscribed' });
        // The contract is silent on a duplicate subscribe: one reading sends the snapshot again (variant.ts).
        const again = variant.duplicateSubscribe === 'ack_and_snapshot' ? snapshot() : undefined;
        if (again !== undefined) this.#deliver(s, Buffer.from(again));
        return;
      }
      s.subs.set(key, sub);
      ch.counts.set(key, (ch.counts.get(key) ?? 0) + 1);
      const ack = { type: 'subscribed', topic, message: `subscribed to ${symbol ? `${topic} ${symbol}` : topic}` };
      const snap = snapshot();
      // Ack then snapshot, or the snapshot first: the contract does not fix the order (variant.ts).
      if (variant.subscribeOrder === 'snapshot_first' && snap !== undefined) this.#deliver(s, Buffer.from(snap));
      this.#reply(s, ack);
      if (variant.subscribeOrder === 'ack_first' && snap !== undefined) this.#deliver(s, Buffer.from(snap));
      if (topic === 'prices' || topic === 'bars') this.host.subscriptionsChanged(t);
      return;
    }
    if (!s.subs.delete(key)) return this.#reply(s, { type: 'unsubscribed', topic, message: 'not subscribed' });
    ch.counts.set(key, (ch.counts.get(key) ?? 1) - 1);
    this.#reply(s, { type: 'unsubscribed', topic, message: `unsubscribed from ${symbol ? `${topic} ${symbol}` : topic}` });
    if (topic === 'prices' || topic === 'bars') this.host.subscriptionsChanged(t);
  }

  /** Sends one frame to a socket, honouring the drop fault and backpressure; announces drops with `warning`. */
  #deliver(s: Session, buf: Buffer): void {
    const ws = s.ws;
    if (ws.readyState !== 1) return;
    const faults = s.channel.terminal.faults;
    if (faults.dropFramesLeft > 0 || ws.bufferedAmount > MAX_BUFFERED) {
      if (faults.dropFramesLeft > 0) {
        faults.dropFramesLeft--;
        this.stats.fault('droppedFrame');
        if (faults.dropFramesLeft === 0) this.#scheduleWarnings(s.channel);
      }
      s.dropped++;
      this.stats.wsFramesDropped++;
      return;
    }
    if (s.dropped > 0) this.#sendWarning(s);
    ws.send(buf, { binary: false });
    this.stats.wsFramesSent++;
  }

  #sendWarning(s: Session): void {
    const n = s.dropped;
    s.dropped = 0;
    s.ws.send(`{"type":"warning","dropped":${n}}`);
    this.stats.wsFramesSent++;
  }

  #scheduleWarnings(ch: Channel): void {
    if (ch.warningScheduled) return;
    ch.warningScheduled = true;
    setImmediate(() => {
      ch.warningScheduled = false;
      for (const s of ch.sessions) if (s.dropped > 0 && s.ws.readyState === 1 && s.ws.bufferedAmount <= MAX_BUFFERED) this.#sendWarning(s);
    });
  }

  /** Whether any socket of the account listens to a topic key (`account`, `positions`, `prices:EURUSD`, …). */
  listening(accountId: string, key: string): boolean {
    const ch = this.#channels.get(accountId);
    return ch !== undefined && ch.listening(key);
  }

  /**
   * Runs `send` with the account's sockets corked, so the frames it publishes to one socket leave in one write
   * (a positions and an account frame per follower leg: one syscall instead of two, a thousand times per batch).
   */
  corked(accountId: string, send: () => void): void {
    const ch = this.#channels.get(accountId);
    if (!ch) return;
    const sockets: Duplex[] = [];
    for (const s of ch.sessions) {
      // `ws` keeps its net.Socket private; without it the frames simply go out uncorked.
      const socket = (s.ws as unknown as { _socket?: Duplex })._socket;
      if (socket) {
        socket.cork();
        sockets.push(socket);
      }
    }
    try {
      send();
    } finally {
      for (const socket of sockets) socket.uncork();
    }
  }

  /** Broadcasts a prebuilt frame to the account's sockets subscribed to `key`. */
  publish(accountId: string, key: string, frame: string): void {
    const ch = this.#channels.get(accountId);
    if (!ch || !ch.listening(key)) return;
    const buf = Buffer.from(frame);
    for (const s of ch.sessions) if (s.subs.has(key)) this.#deliver(s, buf);
  }

  /** Accounts with at least one socket. */
  terminals(): Terminal[] {
    return [...this.#channels.values()].map((c) => c.terminal);
  }

  /** Market-data subscriptions (`prices`/`bars`) of an account's sockets. */
  marketSubs(accountId: string): Sub[] {
    const ch = this.#channels.get(accountId);
    if (!ch) return [];
    const out: Sub[] = [];
    for (const s of ch.sessions) for (const sub of s.subs.values()) if (sub.topic === 'prices' || sub.topic === 'bars') out.push(sub);
    return out;
  }

  /** Abruptly drops every socket of an account (no close frame), as a network failure would. */
  dropConnections(accountId: string): number {
    const ch = this.#channels.get(accountId);
    if (!ch) return 0;
    const n = ch.sessions.size;
    for (const s of [...ch.sessions]) {
      s.ws.terminate();
      this.#detach(s);
    }
    return n;
  }

  close(): void {
    for (const ch of [...this.#channels.values()]) for (const s of [...ch.sessions]) s.ws.terminate();
    this.#channels.clear();
    this.wss.close();
  }
}
