/* eslint-disable @typescript-eslint/no-explicit-any -- wire payloads are JSON, inspected loosely in tests */
import { request } from 'undici';
import WebSocket from 'ws';
import { createSimulator, manualClock, type ManualClock, type Sim, type SimulatorOptions } from '../../../src/sim/index.js';

/** A Wednesday 10:00 UTC: every demo market is open. */
export const OPEN_TIME = '2026-11-25T10:00:00.000Z';

export interface Harness {
  sim: Sim;
  clock: ManualClock;
}

/** A quiet simulator for tests: manual clock on a weekday, no price feed, no demo trader. */
export async function quietSim(opts: SimulatorOptions = {}): Promise<Harness> {
  const clock = manualClock(OPEN_TIME);
  const sim = await createSimulator({ clock, priceFeed: false, demoTrader: false, ...opts });
  return { sim, clock };
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Raw HTTP call returning status, parsed JSON body (or undefined) and text. */
export async function call<T = any>(
  url: string,
  opts: { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; key?: string | undefined; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.key !== undefined) headers['x-api-key'] = opts.key;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await request(url, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.statusCode, body: parsed as T, text, headers: res.headers };
}

/** A WebSocket client that records frames and can wait for one matching a predicate. */
export class WsClient {
  readonly frames: any[] = [];
  #waiters: Array<{ pred: (f: any) => boolean; from: number; resolve: (f: any) => void }> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      this.frames.push(f);
      this.#waiters = this.#waiters.filter((w) => {
        if (w.pred(f)) {
          w.resolve(f);
          return false;
        }
        return true;
      });
    });
  }

  static open(wsUrl: string, key: string): Promise<WsClient> {
    const sep = wsUrl.includes('?') ? '&' : '?';
    const ws = new WebSocket(`${wsUrl}${sep}api_key=${encodeURIComponent(key)}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  send(obj: unknown): void {
    this.ws.send(JSON.stringify(obj));
  }

  /** Waits for a frame matching `pred` (already received ones after index `from` count too). */
  next(pred: (f: any) => boolean, timeoutMs = 3000, from = 0): Promise<any> {
    const seen = this.frames.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for frame; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.#waiters.push({ pred, from, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** Subscribes and waits for the ack (and the snapshot, when the topic has one). */
  async subscribe(topic: string, symbol?: string): Promise<any> {
    const from = this.frames.length;
    this.send(symbol ? { action: 'subscribe', topic, symbol } : { action: 'subscribe', topic });
    const ack = await this.next((f) => (f.type === 'subscribed' || f.type === 'error') && f.topic === topic, 3000, from);
    const snapType = topic === 'account' ? 'account' : topic === 'positions' ? 'positions' : topic === 'prices' ? 'tick' : undefined;
    if (snapType && ack.type === 'subscribed') await this.next((f) => f.type === snapType, 3000, from);
    return ack;
  }

  /** Frames of a type received so far. */
  ofType(type: string): any[] {
    return this.frames.filter((f) => f.type === type);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Resolves after the event loop has turned a few times (coalesced frames get flushed). */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
