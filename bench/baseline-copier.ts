/**
 * The baseline: a copier built the way the FxSocket marketing page's production example builds one — for every
 * follower, a status check and then that follower's own order request, all followers fired in parallel, no
 * connection reuse — but on the DOCUMENTED endpoints, since the marketing names do not exist (fxsocket-api.md §7):
 *
 * - detection: the master's terminal WebSocket (`{ws_url}?api_key=…`, `subscribe` to `trades`, §4);
 * - per follower, per master deal: `GET {rest_url}/status` (§3.7), then `POST {rest_url}/OrderSend` (§3.5) for an
 *   `In` deal or `POST {rest_url}/OrderClose` for an `Out` deal, each on a brand-new connection (a fresh undici
 *   `Client` per call, `Connection: close`), exactly like a `fetch` per call without a shared agent.
 *
 * It is deliberately naive in the ways the example is (no batch, no idempotency, no hot cache, no pooling), but not
 * broken: symbols are resolved once per follower at start (`GET /symbols`, the domain's resolver), and the follower
 * tickets of each copy are remembered so a close reaches the right order. Legs carry the comment `bl:<master ticket>`
 * so the simulator can attribute them.
 */
import { Client } from 'undici';
import WebSocket from 'ws';
import { resolveSymbol } from '../src/domain/symbols.js';
import type { CopierUnderTest } from './lib/copier.js';
import { waitUntil } from './lib/copier.js';
import type { WorldReply } from './lib/protocol.js';

interface TradeData {
  position: number;
  symbol: string;
  type: string;
  entry: string;
  volume: number;
}

/** One call on a brand-new connection, closed afterwards (no keep-alive, no pool). */
async function freshCall(url: string, apiKey: string, method: 'GET' | 'POST', body?: unknown): Promise<{ status: number; json: unknown }> {
  const target = new URL(url);
  const client = new Client(target.origin, { pipelining: 0 });
  try {
    const res = await client.request({
      method,
      path: `${target.pathname}${target.search}`,
      headers: {
        'x-api-key': apiKey,
        accept: 'application/json',
        connection: 'close',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      reset: true,
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text.length > 0 ? (JSON.parse(text) as unknown) : null };
  } finally {
    await client.close().catch(() => undefined);
  }
}

export interface BaselineStats {
  legsSent: number;
  legsFailed: number;
  errors: string[];
}

export class BaselineCopier implements CopierUnderTest {
  readonly name = 'baseline';
  readonly stats: BaselineStats = { legsSent: 0, legsFailed: 0, errors: [] };
  private sockets: WebSocket[] = [];
  private readonly symbolsOf = new Map<string, string[]>();
  /** master position → follower id → follower ticket. */
  private readonly tickets = new Map<number, Map<string, number>>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly world: WorldReply,
    private readonly magic = 777,
  ) {}

  async start(): Promise<void> {
    const followers = this.world.followers.flat();
    await Promise.all(
      followers.map(async (f) => {
        const r = await freshCall(`${this.url(f)}/symbols`, this.world.apiKey, 'GET');
        this.symbolsOf.set(f, r.json as string[]);
      }),
    );
    this.world.masters.forEach((masterId, i) => {
      const ws = new WebSocket(`${this.world.wsUrls[masterId]}?api_key=${encodeURIComponent(this.world.apiKey)}`);
      ws.on('open', () => ws.send(JSON.stringify({ action: 'subscribe', topic: 'trades' })));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type?: string; data?: TradeData };
        if (frame.type === 'trade' && frame.data) this.onTrade(this.world.followers[i] ?? [], frame.data);
      });
      ws.on('error', (e) => this.stats.errors.push(String(e)));
      this.sockets.push(ws);
    });
    await waitUntil(() => this.sockets.every((s) => s.readyState === WebSocket.OPEN), 'baseline master sockets', 30_000);
  }

  private url(accountId: string): string {
    const u = this.world.restUrls[accountId];
    if (!u) throw new Error(`no rest_url for ${accountId}`);
    return u;
  }

  private onTrade(followers: readonly string[], deal: TradeData): void {
    // As in the example: every follower at once, each with its own status check and order request.
    for (const f of followers) {
      const p = this.copyTo(f, deal).catch((e: unknown) => {
        this.stats.legsFailed++;
        if (this.stats.errors.length < 20) this.stats.errors.push(String(e));
      });
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async copyTo(followerId: string, deal: TradeData): Promise<void> {
    const base = this.url(followerId);
    const status = await freshCall(`${base}/status`, this.world.apiKey, 'GET');
    if ((status.json as { status?: string } | null)?.status !== 'ready') throw new Error(`follower ${followerId} not ready`);
    if (deal.entry === 'In') {
      const sym = resolveSymbol(deal.symbol, this.symbolsOf.get(followerId) ?? []);
      if (!sym.ok) throw new Error(`no symbol for ${deal.symbol}`);
      this.stats.legsSent++;
      const r = await freshCall(`${base}/OrderSend`, this.world.apiKey, 'POST', {
        symbol: sym.symbol,
        operation: deal.type,
        volume: deal.volume,
        comment: `bl:${deal.position}`,
        expertId: this.magic,
      });
      const order = (r.json as { order?: number; success?: boolean } | null) ?? {};
      if (r.status !== 200 || order.success !== true || !order.order) throw new Error(`OrderSend failed: ${r.status} ${JSON.stringify(r.json)}`);
      let byFollower = this.tickets.get(deal.position);
      if (!byFollower) this.tickets.set(deal.position, (byFollower = new Map()));
      byFollower.set(followerId, order.order);
    } else if (deal.entry === 'Out') {
      const ticket = this.tickets.get(deal.position)?.get(followerId);
      if (ticket === undefined) throw new Error('no copy to close');
      this.stats.legsSent++;
      const r = await freshCall(`${base}/OrderClose`, this.world.apiKey, 'POST', { ticket });
      this.tickets.get(deal.position)?.delete(followerId);
      if (r.status !== 200) throw new Error(`OrderClose failed: ${r.status}`);
    }
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async stop(): Promise<void> {
    await this.idle();
    for (const s of this.sockets) s.close();
    this.sockets = [];
  }
}
