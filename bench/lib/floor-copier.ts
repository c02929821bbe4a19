/**
 * The floor: the least a copier can do against this simulator — take the master's trade frame off the socket and
 * write one pre-shaped batch on a warm keep-alive connection, with no validation, planning, store, logging or
 * reply handling beyond remembering tickets. Its latency is what the simulator and the sockets cost by themselves,
 * so the gap between it and fxmirror is the copier's own share.
 *
 * With `followerStreams` it also keeps every follower's terminal stream open on the topics fxmirror's hot cache
 * subscribes (`account`, `positions`) and throws the frames away unread: the same traffic as fxmirror gets (the
 * simulator writing a frame to each follower per leg, the kernel carrying it, the socket being read), with none of
 * the work, so the part of the latency that this traffic costs on a shared machine is measured apart.
 */
import { Pool } from 'undici';
import WebSocket from 'ws';
import { resolveSymbol } from '../../src/domain/symbols.js';
import { copyComment } from '../../src/domain/tags.js';
import type { CopierUnderTest } from './copier.js';
import { waitUntil } from './copier.js';
import type { WorldReply } from './protocol.js';

interface TradeData {
  position: number;
  symbol: string;
  type: string;
  entry: string;
  volume: number;
}

export class FloorCopier implements CopierUnderTest {
  readonly name: string;
  private pool: Pool | undefined;
  private sockets: WebSocket[] = [];
  private readonly followerStreams: boolean;
  private readonly symbolsOf = new Map<string, string[]>();
  private readonly tickets = new Map<number, { account_id: string; tickets: number[] }[]>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly world: WorldReply,
    opts: { followerStreams?: boolean } = {},
    private readonly magic = 778,
  ) {
    this.followerStreams = opts.followerStreams === true;
    this.name = this.followerStreams ? 'floor-streams' : 'floor';
  }

  async start(): Promise<void> {
    this.pool = new Pool(this.world.url, { connections: 8, pipelining: 1 });
    for (const f of this.world.followers.flat()) {
      const u = new URL(`${this.world.restUrls[f]}/symbols`);
      const r = await this.pool.request({ method: 'GET', path: u.pathname, headers: { 'x-api-key': this.world.apiKey } });
      this.symbolsOf.set(f, (await r.body.json()) as string[]);
    }
    this.world.masters.forEach((masterId, i) => {
      const ws = new WebSocket(`${this.world.wsUrls[masterId]}?api_key=${encodeURIComponent(this.world.apiKey)}`);
      ws.on('open', () => ws.send(JSON.stringify({ action: 'subscribe', topic: 'trades' })));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type?: string; data?: TradeData };
        if (frame.type === 'trade' && frame.data) this.track(this.onTrade(masterId, this.world.followers[i] ?? [], frame.data));
      });
      this.sockets.push(ws);
    });
    if (this.followerStreams) {
      for (const f of this.world.followers.flat()) {
        const ws = new WebSocket(`${this.world.wsUrls[f]}?api_key=${encodeURIComponent(this.world.apiKey)}`);
        ws.on('open', () => {
          ws.send(JSON.stringify({ action: 'subscribe', topic: 'account' }));
          ws.send(JSON.stringify({ action: 'subscribe', topic: 'positions' }));
        });
        // Read off the socket (ws assembles each frame) and dropped: no decoding, no state.
        ws.on('message', () => undefined);
        this.sockets.push(ws);
      }
    }
    await waitUntil(() => this.sockets.every((s) => s.readyState === WebSocket.OPEN), 'floor sockets', 30_000);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const pool = this.pool as Pool;
    const r = await pool.request({
      method: 'POST',
      path,
      headers: { 'x-api-key': this.world.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return r.body.json();
  }

  private async onTrade(masterId: string, followers: readonly string[], deal: TradeData): Promise<void> {
    if (deal.entry === 'In') {
      const comment = copyComment(masterId, deal.position);
      const orders = followers.map((f) => {
        const s = resolveSymbol(deal.symbol, this.symbolsOf.get(f) ?? []);
        return { account_id: f, symbol: s.ok ? s.symbol : deal.symbol, operation: deal.type, volume: deal.volume, comment, expert_id: this.magic };
      });
      const reply = (await this.post('/v1/orders', { orders })) as { results: { account_id: string; order: number }[] };
      this.tickets.set(
        deal.position,
        reply.results.filter((r) => r.order > 0).map((r) => ({ account_id: r.account_id, tickets: [r.order] })),
      );
    } else if (deal.entry === 'Out') {
      const accounts = this.tickets.get(deal.position) ?? [];
      this.tickets.delete(deal.position);
      if (accounts.length > 0) await this.post('/v1/orders/close', { accounts });
    }
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async stop(): Promise<void> {
    await this.idle();
    for (const s of this.sockets) s.close();
    this.sockets = [];
    await this.pool?.close();
  }
}
