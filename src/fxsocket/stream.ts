/**
 * One account's terminal WebSocket (fxsocket-api.md §4, §5) as a {@link StreamPort}: `{ws_url}?api_key=…`, protocol
 * pings with a liveness deadline, reconnect with capped exponential backoff and jitter, verbatim replay of every
 * subscription after a reconnect, and a bounded local queue between the socket and the single consumer.
 *
 * Events are delivered in order to one listener. A listener may return a promise; the next event waits for it, and
 * while it waits frames queue up (oldest dropped beyond `maxQueueSize`, reported by `lag`). The stream itself never
 * throws from a frame: bad frames become `malformed` events.
 */
import WebSocket from 'ws';

import type { StreamEvent, StreamPort, StreamTopic } from '../engine/ports.js';
import { reconnectDelayMs, type BackoffOptions } from './backoff.js';
import { FxSocketAuthError, FxSocketForbiddenError, ProtocolError, StreamGaveUpError } from './errors.js';
import { DropOldestQueue } from './event-queue.js';
import { redact, redactUrl } from './redact.js';
import { decodeFrame, MALFORMED_RAW_MAX } from './stream-frames.js';
import { invalid } from './validation.js';
import { DEFAULT_USER_AGENT } from './version.js';

/** Options of {@link TerminalStream}. Defaults follow the SDKs (§5) except where a copier needs otherwise. */
export interface TerminalStreamOptions {
  accountId: string;
  /** The account's `ws_url`, used verbatim; existing query parameters are kept. */
  url: string;
  apiKey: string;
  /**
   * Re-reads `ws_url` before a reconnect that follows a failed attempt (a restarted terminal may move). Failures keep
   * the previous URL.
   */
  resolveUrl?: () => Promise<string>;
  userAgent?: string;
  /** Open (TCP + TLS + upgrade) timeout in ms (default 10 000). */
  openTimeoutMs?: number;
  /** Protocol ping interval in ms (default 20 000; 0 disables pings and the liveness check). */
  pingIntervalMs?: number;
  /** After a ping, the socket is terminated when neither a pong nor any frame arrives within this many ms (default 10 000). */
  livenessTimeoutMs?: number;
  /** Reconnect after an unexpected close (default true). */
  autoReconnect?: boolean;
  /**
   * Consecutive failed attempts before giving up (default: unlimited — a copier must never give up on a master). The
   * SDKs default to 5.
   */
  maxReconnectAttempts?: number;
  /** Backoff after the first (immediate) attempt: 0.5 s, 1 s, 2 s … capped at 30 s, ±20 % jitter. */
  backoff?: BackoffOptions;
  /** A connection that stayed open this long resets the attempt count (default 10 000 ms). */
  stableAfterMs?: number;
  /** Local event queue bound (default 10 000; 0 = unbounded). Oldest events are dropped and `lag` reports it. */
  maxQueueSize?: number;
  /** Frames larger than this are reported `malformed` without being parsed (default 8 MiB). */
  maxFrameBytes?: number;
  /** Skip certificate verification (private servers' self-signed certificates, §1). */
  insecureTls?: boolean;
  /**
   * When the upgrade is refused with 401/403: `false` (default) keeps trying every `authRetryMs`, emitting
   * `auth_failed` each time, so a key that is re-enabled or re-scoped heals on its own; `true` stops for good
   * (`gave_up`) until `start()`.
   */
  giveUpOnAuthFailure?: boolean;
  /** Delay between attempts while the upgrade is refused with 401/403 (default 60 000 ms, ±10 % jitter). */
  authRetryMs?: number;
  /** Called when the listener throws; default: a process warning. The stream keeps running either way. */
  onListenerError?: (error: unknown, event: StreamEvent) => void;
  /**
   * Coalesce snapshot frames (default false). `positions` and `account` frames, and `tick` frames per symbol, each
   * carry the whole current state (§4.3, §4.4), so a newer one makes an undelivered older one moot. When true they are
   * not decoded as they arrive but held, newest only, and delivered from a shared drain that runs after the socket
   * reads of the loop turn, in slices (see `HELD_SLICE_MS`). Any other frame, and a close, first delivers what the
   * stream holds, so order between kinds is kept. For followers' streams: a burst of a thousand accounts' updates
   * then neither delays the frame of a master's trade behind their decoding nor decodes states nobody reads. A
   * superseded frame is never decoded, so a malformed one among them is not counted in `stats().malformed`.
   */
  coalesceSnapshots?: boolean;
  /** Randomness for jitter (tests). */
  random?: () => number;
}

/** Counters of one stream since construction. */
export interface StreamStats {
  /** Frames received. */
  frames: number;
  /** Frames that were not valid (counted in `frames` too). */
  malformed: number;
  /** Successful re-opens after a drop. */
  reconnects: number;
  /** Events dropped from the local queue (consumer too slow). */
  dropped: number;
  /** Messages the server reported dropped through `warning` frames. */
  serverDropped: number;
  /** Events waiting for the consumer. */
  queued: number;
  /** Listener calls that threw. */
  listenerErrors: number;
  /** Upgrades refused with 401/403. */
  authRefused: number;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed' | 'dead';

const HARD_MAX_PAYLOAD = 64 * 1024 * 1024;
const CLOSE_GRACE_MS = 2_000;
/**
 * Longest run of the held-frame drain before it yields to the event loop (socket reads, timers): the decoding of a
 * thousand followers' snapshots is spread over several turns instead of blocking one.
 */
const HELD_SLICE_MS = 1;

const POSITIONS_PREFIX = Buffer.from('{"type":"positions"');
const ACCOUNT_PREFIX = Buffer.from('{"type":"account"');
const TICK_PREFIX = Buffer.from('{"type":"tick","symbol":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length > prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/**
 * The state a snapshot frame replaces (`positions`, `account`, `tick:<symbol>`), read from the frame's first bytes;
 * `null` for any other frame, or one laid out otherwise (it is then simply decoded on arrival).
 */
export function snapshotKey(bytes: Buffer): string | null {
  if (startsWith(bytes, POSITIONS_PREFIX)) return 'positions';
  if (startsWith(bytes, ACCOUNT_PREFIX)) return 'account';
  if (startsWith(bytes, TICK_PREFIX)) {
    const from = TICK_PREFIX.length;
    const end = bytes.indexOf(QUOTE, from);
    if (end <= from || end - from > 64 || bytes.subarray(from, end).includes(BACKSLASH)) return null;
    return `tick:${bytes.toString('latin1', from, end)}`;
  }
  return null;
}

/** Adds `api_key` to a socket URL, keeping its other query parameters (§1). */
export function withApiKey(url: string, apiKey: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('api_key', apiKey);
  return parsed.toString();
}

function subscriptionKey(topic: StreamTopic, symbol: string | undefined): string {
  return symbol === undefined ? topic : `${topic}\u0000${symbol}`;
}

const TOPICS: ReadonlySet<string> = new Set<StreamTopic>(['account', 'positions', 'trades', 'terminal', 'prices']);

/** The message payload as one Buffer, without copying the common single-Buffer case. */
function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** One account's terminal stream. Implements {@link StreamPort}. */
export class TerminalStream implements StreamPort {
  readonly accountId: string;
  #url: string;
  readonly #apiKey: string;
  readonly #options: TerminalStreamOptions;
  readonly #openTimeoutMs: number;
  readonly #pingIntervalMs: number;
  readonly #livenessTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #stableAfterMs: number;
  readonly #maxFrameBytes: number;
  readonly #authRetryMs: number;
  /** Active subscriptions → the exact frame sent, replayed verbatim after a reconnect. */
  readonly #subscriptions = new Map<string, string>();
  readonly #queue: DropOldestQueue<StreamEvent>;

  #state: State = 'idle';
  #socket: WebSocket | undefined;
  #listener: ((event: StreamEvent) => void | Promise<void>) | undefined;
  #draining = false;
  #lagPending = false;
  #everOpened = false;
  #attempt = 0;
  #lastAttemptOpened = true;
  #openedAt = 0;
  #seenSincePing = true;
  #failureReason = '';
  #upgradeStatus = 0;
  #openTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #livenessTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closeWaiters: (() => void)[] = [];
  readonly #stats = { frames: 0, malformed: 0, reconnects: 0, serverDropped: 0, listenerErrors: 0, authRefused: 0 };
  /** Consecutive upgrades refused with 401/403; reset by an open. */
  #authRefusals = 0;
  readonly #coalesce: boolean;
  /** Snapshot frames taken off the socket and not yet decoded, newest per key, in arrival order of the newest. */
  readonly #held = new Map<string, Buffer>();

  /** Streams holding snapshot frames, drained together after the loop turn's socket reads. */
  static readonly #holding = new Set<TerminalStream>();
  static #drainScheduled = false;

  constructor(options: TerminalStreamOptions) {
    this.accountId = options.accountId;
    this.#url = options.url;
    this.#apiKey = options.apiKey;
    this.#options = options;
    this.#openTimeoutMs = options.openTimeoutMs ?? 10_000;
    this.#pingIntervalMs = options.pingIntervalMs ?? 20_000;
    this.#livenessTimeoutMs = options.livenessTimeoutMs ?? 10_000;
    this.#maxAttempts = options.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
    this.#stableAfterMs = options.stableAfterMs ?? 10_000;
    this.#maxFrameBytes = options.maxFrameBytes ?? 8 * 1024 * 1024;
    this.#authRetryMs = options.authRetryMs ?? 60_000;
    this.#queue = new DropOldestQueue<StreamEvent>(options.maxQueueSize ?? 10_000);
    this.#coalesce = options.coalesceSnapshots === true;
    // Fails fast on a malformed ws_url rather than on the first connect.
    void new URL(options.url);
  }

  /** True while the socket is open. */
  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** True after `close()` (until `start()` again): its owner is done with it. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** The socket URL with the key masked, for logs. */
  get url(): string {
    return redactUrl(this.#url, [this.#apiKey]);
  }

  /** Active subscriptions as `{ topic, symbol? }`. */
  get subscriptions(): { topic: StreamTopic; symbol?: string }[] {
    return [...this.#subscriptions.values()].map((frame) => {
      const parsed = JSON.parse(frame) as { topic: StreamTopic; symbol?: string };
      return parsed.symbol === undefined ? { topic: parsed.topic } : { topic: parsed.topic, symbol: parsed.symbol };
    });
  }

  /** Counters since construction. */
  stats(): StreamStats {
    return { ...this.#stats, dropped: this.#queue.dropped, queued: this.#queue.size };
  }

  /** Registers the single consumer. Events queued before this call are delivered now. */
  onEvent(listener: (event: StreamEvent) => void | Promise<void>): void {
    this.#listener = listener;
    this.#drain();
  }

  /**
   * Adds a subscription (sent now when open, and after every reconnect). `prices` needs a symbol; other topics take
   * none, and a symbol given to them is ignored.
   */
  subscribe(topic: StreamTopic, symbol?: string): void {
    const frame = this.#subscriptionFrame('subscribe', topic, symbol);
    const key = subscriptionKey(topic, topic === 'prices' ? symbol : undefined);
    if (this.#subscriptions.has(key)) return;
    this.#subscriptions.set(key, frame);
    this.#send(frame);
  }

  /** Removes a subscription and tells the server when open. */
  unsubscribe(topic: StreamTopic, symbol?: string): void {
    const frame = this.#subscriptionFrame('unsubscribe', topic, symbol);
    if (this.#subscriptions.delete(subscriptionKey(topic, topic === 'prices' ? symbol : undefined))) this.#send(frame);
  }

  /** Asks the server for its subscription list; the answer arrives as an `other` event (`type: "subscriptions"`). */
  requestSubscriptionList(): void {
    this.#send('{"action":"list"}');
  }

  /** Connects (no-op when already running). After `close()` or `gave_up` it starts afresh. */
  start(): void {
    if (this.#state !== 'idle' && this.#state !== 'closed' && this.#state !== 'dead') return;
    this.#attempt = 0;
    this.#lastAttemptOpened = true;
    this.#connect();
  }

  /** Stops for good (until `start()`): no reconnect; resolves once the socket is closed. Idempotent. */
  async close(): Promise<void> {
    const previous = this.#state;
    this.#state = 'closed';
    this.#clearTimers();
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    if (socket !== undefined && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'client closing');
      else socket.terminate();
      const grace = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(grace);
    } else if (previous === 'waiting') {
      this.#emit({ type: 'closed', code: 1000, reason: 'closed by client', willRetry: false });
    }
  }

  #subscriptionFrame(action: 'subscribe' | 'unsubscribe', topic: StreamTopic, symbol: string | undefined): string {
    if (!TOPICS.has(topic)) throw invalid(action, `unknown topic ${JSON.stringify(topic)}`);
    if (topic === 'prices' && (typeof symbol !== 'string' || symbol === '')) {
      throw invalid(action, 'the prices topic needs a symbol');
    }
    // Keys exactly `action`, `topic`, `symbol`; keys that do not apply are omitted (§4.2).
    return JSON.stringify(topic === 'prices' ? { action, topic, symbol } : { action, topic });
  }

  #send(frame: string): void {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    // A failed send means the socket is going down; its close event drives the reconnect.
    socket.send(frame, () => undefined);
  }

  #connect(): void {
    this.#state = 'connecting';
    this.#failureReason = '';
    this.#upgradeStatus = 0;
    let socket: WebSocket;
    try {
      socket = new WebSocket(withApiKey(this.#url, this.#apiKey), {
        perMessageDeflate: false,
        handshakeTimeout: this.#openTimeoutMs,
        maxPayload: Math.max(HARD_MAX_PAYLOAD, this.#maxFrameBytes),
        headers: { 'user-agent': this.#options.userAgent ?? DEFAULT_USER_AGENT },
        rejectUnauthorized: this.#options.insecureTls !== true,
      });
    } catch (error) {
      this.#failureReason = this.#redact(error instanceof Error ? error.message : String(error));
      this.#lastAttemptOpened = false;
      this.#afterClose(1006, this.#failureReason);
      return;
    }
    this.#socket = socket;
    this.#openTimer = setTimeout(() => {
      this.#failureReason = `open timed out after ${this.#openTimeoutMs} ms`;
      socket.terminate();
    }, this.#openTimeoutMs);

    socket.on('upgrade', (response) => {
      // ws already disables Nagle on its socket; done explicitly so latency does not rest on a library detail.
      response.socket.setNoDelay(true);
    });
    socket.on('unexpected-response', (_request, response) => {
      this.#upgradeStatus = response.statusCode ?? 0;
      this.#failureReason = `upgrade refused with HTTP ${this.#upgradeStatus}`;
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => this.#onOpen(socket));
    socket.on('message', (data) => this.#onMessage(socket, data));
    socket.on('pong', () => {
      this.#seenSincePing = true;
    });
    socket.on('ping', () => {
      this.#seenSincePing = true;
    });
    socket.on('error', (error) => {
      if (this.#failureReason === '') this.#failureReason = this.#redact(error.message);
    });
    socket.on('close', (code, reason) => this.#onClose(socket, code, reason.toString()));
  }

  #onOpen(socket: WebSocket): void {
    if (socket !== this.#socket) return;
    clearTimeout(this.#openTimer);
    this.#state = 'open';
    this.#openedAt = Date.now();
    this.#lastAttemptOpened = true;
    this.#seenSincePing = true;
    this.#authRefusals = 0;
    const reconnect = this.#everOpened;
    this.#everOpened = true;
    if (reconnect) this.#stats.reconnects += 1;
    for (const frame of this.#subscriptions.values()) this.#send(frame);
    if (this.#pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#ping(socket), this.#pingIntervalMs);
      this.#pingTimer.unref();
    }
    this.#emit({ type: 'open', reconnect, attempt: this.#attempt });
  }

  #ping(socket: WebSocket): void {
    if (socket !== this.#socket || socket.readyState !== WebSocket.OPEN) return;
    try {
      socket.ping();
    } catch {
      return;
    }
    // One deadline at a time: re-arming on every ping would push it out forever when the interval is shorter.
    if (this.#livenessTimer !== undefined) return;
    this.#seenSincePing = false;
    this.#livenessTimer = setTimeout(() => {
      this.#livenessTimer = undefined;
      if (!this.#seenSincePing && socket === this.#socket) {
        this.#failureReason = `no pong or frame within ${this.#livenessTimeoutMs} ms`;
        socket.terminate();
      }
    }, this.#livenessTimeoutMs);
    this.#livenessTimer.unref();
  }

  #onMessage(socket: WebSocket, data: WebSocket.RawData): void {
    if (socket !== this.#socket) return;
    this.#seenSincePing = true;
    this.#stats.frames += 1;
    // Frames are text by contract (§4.1); a binary frame is decoded the same way and fails if it is not JSON.
    const bytes = toBuffer(data);
    if (this.#coalesce && bytes.length <= this.#maxFrameBytes) {
      const key = snapshotKey(bytes);
      if (key !== null) {
        // Re-inserted so the map's order stays the arrival order of the frames it holds.
        this.#held.delete(key);
        this.#held.set(key, bytes);
        TerminalStream.#hold(this);
        return;
      }
    }
    this.#releaseHeld();
    this.#decodeAndEmit(bytes);
  }

  #decodeAndEmit(bytes: Buffer): void {
    let event: StreamEvent;
    if (bytes.length > this.#maxFrameBytes) {
      event = {
        type: 'malformed',
        error: new ProtocolError(`malformed frame: ${bytes.length} bytes exceed maxFrameBytes ${this.#maxFrameBytes}`, {
          context: { frameBytes: bytes.length, accountId: this.accountId },
        }),
        raw: `${bytes.subarray(0, MALFORMED_RAW_MAX).toString('utf8')}…`,
      };
    } else {
      event = decodeFrame(bytes.toString('utf8'));
    }
    if (event.type === 'malformed') this.#stats.malformed += 1;
    else if (event.type === 'warning') this.#stats.serverDropped += event.dropped;
    this.#emit(event);
  }

  /** Decodes and delivers the snapshot frames this stream holds, in arrival order. */
  #releaseHeld(): void {
    if (this.#held.size === 0) return;
    const frames = [...this.#held.values()];
    this.#held.clear();
    TerminalStream.#holding.delete(this);
    for (const bytes of frames) this.#decodeAndEmit(bytes);
  }

  static #hold(stream: TerminalStream): void {
    TerminalStream.#holding.add(stream);
    if (TerminalStream.#drainScheduled) return;
    TerminalStream.#drainScheduled = true;
    setImmediate(TerminalStream.#drainHeld);
  }

  /** Releases held frames stream by stream for at most `HELD_SLICE_MS`, then yields and goes on next turn. */
  static #drainHeld(): void {
    TerminalStream.#drainScheduled = false;
    const started = performance.now();
    for (const stream of TerminalStream.#holding) {
      stream.#releaseHeld();
      if (performance.now() - started >= HELD_SLICE_MS) break;
    }
    if (TerminalStream.#holding.size > 0 && !TerminalStream.#drainScheduled) {
      TerminalStream.#drainScheduled = true;
      setImmediate(TerminalStream.#drainHeld);
    }
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    // Frames that came before the close are delivered before it.
    this.#releaseHeld();
    this.#socket = undefined;
    this.#clearTimers();
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    const opened = this.#openedAt > 0;
    if (!opened) this.#lastAttemptOpened = false;
    else if (Date.now() - this.#openedAt >= this.#stableAfterMs) this.#attempt = 0;
    this.#openedAt = 0;
    this.#afterClose(code, reason !== '' ? reason : this.#failureReason);
    for (const resolve of waiters) resolve();
  }

  /** Decides between final close, giving up, and a scheduled reconnect. */
  #afterClose(code: number, reason: string): void {
    if (this.#state === 'closed') {
      this.#emit({ type: 'closed', code, reason, willRetry: false });
      return;
    }
    const status = this.#upgradeStatus;
    const authRefused = status === 401 || status === 403;
    let authError: FxSocketAuthError | FxSocketForbiddenError | undefined;
    if (authRefused) {
      this.#stats.authRefused += 1;
      this.#authRefusals += 1;
      const context = { accountId: this.accountId, status, url: this.url };
      const message = `stream upgrade refused with HTTP ${status}`;
      authError = status === 401 ? new FxSocketAuthError(message, { context }) : new FxSocketForbiddenError(message, { context });
      if (this.#options.giveUpOnAuthFailure === true) {
        this.#state = 'dead';
        this.#emit({ type: 'closed', code, reason, willRetry: false });
        this.#emit({ type: 'gave_up', error: authError });
        return;
      }
    }
    const nextAttempt = this.#attempt + 1;
    const willRetry = this.#options.autoReconnect !== false && nextAttempt <= this.#maxAttempts;
    this.#emit({ type: 'closed', code, reason, willRetry });
    if (!willRetry) {
      this.#state = 'dead';
      const error =
        authError ??
        new StreamGaveUpError(
          this.#options.autoReconnect === false
            ? 'stream dropped and auto-reconnect is off'
            : `stream dropped and could not be re-established after ${this.#attempt} attempts`,
          { context: { accountId: this.accountId, code, reason, url: this.url } },
        );
      this.#emit({ type: 'gave_up', error });
      return;
    }
    this.#attempt = nextAttempt;
    this.#state = 'waiting';
    // A refused key is not a network blip: the fast backoff would hammer the server with it, and a key heals (is
    // re-enabled or re-scoped) on a human timescale, so it is retried at a slow, jittered cadence instead.
    const delay =
      authError === undefined
        ? reconnectDelayMs(nextAttempt, this.#options.backoff, this.#options.random)
        : Math.round(this.#authRetryMs * (0.9 + 0.2 * (this.#options.random ?? Math.random)()));
    if (authError !== undefined) {
      this.#emit({ type: 'auth_failed', status, error: authError, attempt: this.#authRefusals, retryInMs: delay });
    }
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(), delay);
  }

  async #reconnect(): Promise<void> {
    if (this.#state !== 'waiting') return;
    if (!this.#lastAttemptOpened && this.#options.resolveUrl !== undefined) {
      try {
        const url = await this.#options.resolveUrl();
        if (url !== '') this.#url = url;
      } catch {
        // Keep the previous URL; the attempt below will fail or succeed on its own.
      }
      if (this.#state !== 'waiting') return;
    }
    this.#connect();
  }

  #clearTimers(): void {
    clearTimeout(this.#openTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#livenessTimer);
    this.#openTimer = undefined;
    this.#pingTimer = undefined;
    this.#livenessTimer = undefined;
  }

  #redact(text: string): string {
    return redact(text, [this.#apiKey]);
  }

  #emit(event: StreamEvent): void {
    // The common case, every frame of a follower: nothing queued and the listener idle. The event goes straight to
    // the listener, without a trip through the queue and an async drain (a promise per frame, thousands per copied
    // event at a thousand followers). Order is kept: this path is taken only when no earlier event waits.
    if (!this.#draining && !this.#lagPending && this.#queue.size === 0) {
      const listener = this.#listener;
      if (listener !== undefined) {
        this.#deliverNow(listener, event);
        return;
      }
    }
    if (this.#queue.push(event)) this.#lagPending = true;
    this.#drain();
  }

  /** Calls the listener with `event` now; a promise it returns holds later events back, as in the drain loop. */
  #deliverNow(listener: (event: StreamEvent) => void | Promise<void>, event: StreamEvent): void {
    // Marked draining while the listener runs, so an event it causes (a close, say) queues behind this one.
    this.#draining = true;
    let result: void | Promise<void>;
    try {
      result = listener(event);
    } catch (error) {
      this.#reportListenerError(error, event);
      result = undefined;
    }
    if (isThenable(result)) {
      void this.#drainLoop({ result, event });
      return;
    }
    this.#draining = false;
    if (this.#queue.size > 0 || this.#lagPending) this.#drain();
  }

  #reportListenerError(error: unknown, event: StreamEvent): void {
    this.#stats.listenerErrors += 1;
    const report =
      this.#options.onListenerError ?? ((thrown: unknown) => process.emitWarning(`fxsocket stream listener threw: ${String(thrown)}`));
    report(error, event);
  }

  /** Delivers queued events in order; runs synchronously until a listener returns a promise. */
  #drain(): void {
    if (this.#draining || this.#listener === undefined) return;
    this.#draining = true;
    void this.#drainLoop();
  }

  async #drainLoop(pending?: { result: PromiseLike<unknown>; event: StreamEvent }): Promise<void> {
    try {
      if (pending !== undefined) {
        try {
          await pending.result;
        } catch (error) {
          this.#reportListenerError(error, pending.event);
        }
      }
      for (;;) {
        const listener = this.#listener;
        if (listener === undefined) return;
        let event: StreamEvent | undefined;
        if (this.#lagPending) {
          this.#lagPending = false;
          event = { type: 'lag', dropped: this.#queue.dropped };
        } else {
          event = this.#queue.shift();
          if (event === undefined) return;
        }
        try {
          const result = listener(event);
          if (isThenable(result)) await result;
        } catch (error) {
          this.#reportListenerError(error, event);
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}
