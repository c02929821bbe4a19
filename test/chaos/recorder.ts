/**
 * Counting at the source: the simulator runs in the runner's process, so every trading request the copier sends and
 * every reply it gets are recorded here, as the broker saw them, with their bodies; and every order that reaches a
 * follower account is checked, at the moment it arrives, against what the account already holds. These are the
 * trial's ground truth for rejections, unknown outcomes and duplicates; the copier's own reports are checked against
 * them, never the other way round.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCopyComment, masterShortId } from '../../src/domain/tags.js';
import type { OrderReceivedEvent, Sim } from '../../src/sim/index.js';

/** One trading request (POST) and its reply, as the simulator handled it. */
export interface Exchange {
  method: string;
  path: string;
  /** Account of a terminal route (`/mt5/<id>/…`), else null. */
  accountId: string | null;
  route: string;
  idempotencyKey: string | null;
  /** The sender's User-Agent (a cluster worker names itself in it). */
  userAgent: string | null;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
  sentAt: number;
  answeredAt: number;
}

/** An outcome the copier must report: a leg that provably did not execute, or whose outcome it cannot know. */
export interface Outcome {
  kind: 'rejection' | 'unknown';
  followerId: string;
  /** Master ticket of the copy (from the order's tag, or the ticket's lineage); null when it cannot be told. */
  masterTicket: number | null;
  masterShort: string | null;
  action: 'open' | 'close' | 'modify';
  detail: string;
  answeredAt: number;
  sentAt: number;
  /** User-Agent of the request that produced it. */
  userAgent: string | null;
}

const TERMINAL_PATH = /^\/(?:mt4|mt5)\/([^/]+)(\/[^?]*)?/;

/** A copy's master, known by the tag of the order that opened it or inherited by an MT4 split (`from #<ticket>`). */
export interface LineageEntry {
  masterShort: string;
  masterTicket: number;
}

/**
 * Which master position each follower ticket copies. Tagged rows name it; an MT4 partial close reopens the rest
 * under a new ticket commented `from #<old>`, which inherits the old ticket's entry.
 */
export class Lineage {
  private readonly byFollower = new Map<string, Map<number, LineageEntry>>();

  constructor(private readonly magic: number) {}

  of(followerId: string, ticket: number): LineageEntry | undefined {
    return this.byFollower.get(followerId)?.get(ticket);
  }

  /** Learns from a follower's current rows. */
  update(followerId: string, rows: readonly { ticket: number; magic: number; comment: string }[]): void {
    let map = this.byFollower.get(followerId);
    if (!map) {
      map = new Map();
      this.byFollower.set(followerId, map);
    }
    for (const row of rows) {
      if (row.magic !== this.magic || map.has(row.ticket)) continue;
      const tag = parseCopyComment(row.comment);
      if (tag !== null) {
        map.set(row.ticket, { masterShort: tag.masterShort, masterTicket: tag.masterTicket });
        continue;
      }
      const from = /from #(\d+)/.exec(row.comment);
      const parent = from?.[1] === undefined ? undefined : map.get(Number(from[1]));
      if (parent) map.set(row.ticket, parent);
    }
  }
}

/** A follower order that arrived while the follower already held a live copy of the same master position. */
export interface DuplicateAtSource {
  followerId: string;
  masterShort: string;
  masterTicket: number;
  at: number;
  existing: number[];
  symbol: string;
  volume: number;
  /** Idempotency-Key of the batch that carried it (a reconciliation volume top-up has `:fix:` in it). */
  key: string | null;
}

export interface RecorderOptions {
  sim: Sim;
  magic: number;
  /** Follower account ids (hedging ones are checked for duplicates at the source). */
  followers: ReadonlyMap<string, { hedging: boolean }>;
  masters: readonly string[];
}

/** Records the simulator's trading exchanges and checks arriving orders for duplicates. */
export class SimRecorder {
  readonly exchanges: Exchange[] = [];
  readonly duplicates: DuplicateAtSource[] = [];
  readonly lineage: Lineage;
  /** Opens (tagged orders) that reached each follower, by `follower|short|ticket`. */
  readonly opensByCopy = new Map<string, number>();
  private readonly onOrder: (e: OrderReceivedEvent) => void;
  private readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly orderHooks = new Set<(e: OrderReceivedEvent) => void>();
  private readonly masterShorts: Map<string, string>;
  private readonly inflight = new Set<{ path: string; accountId: string | null; key: string | null; userAgent: string | null; chunks: Buffer[] }>();

  constructor(private readonly options: RecorderOptions) {
    this.lineage = new Lineage(options.magic);
    this.masterShorts = new Map(options.masters.map((id) => [masterShortId(id), id] as const));
    this.onOrder = (e) => this.orderReceived(e);
    this.onRequest = (req, res) => this.capture(req, res);
    options.sim.events.on('orderReceived', this.onOrder);
    // Runs before the simulator's own handler, so the request body is observed as it is read.
    options.sim.internals.server.prependListener('request', this.onRequest);
  }

  masterOfShort(short: string): string | undefined {
    return this.masterShorts.get(short);
  }

  /** Calls `hook` (once) on the next order that reaches a follower. */
  onNextFollowerOrder(hook: (e: OrderReceivedEvent) => void): () => void {
    const once = (e: OrderReceivedEvent) => {
      this.orderHooks.delete(once);
      hook(e);
    };
    this.orderHooks.add(once);
    return () => this.orderHooks.delete(once);
  }

  /** Re-reads every follower's rows into the lineage (cheap: in-process). */
  refreshLineage(): void {
    for (const id of this.options.followers.keys()) {
      this.lineage.update(id, this.options.sim.account(id).positions());
    }
  }

  close(): void {
    this.options.sim.events.off('orderReceived', this.onOrder);
    this.options.sim.internals.server.off('request', this.onRequest);
  }

  private orderReceived(e: OrderReceivedEvent): void {
    const follower = this.options.followers.get(e.accountId);
    if (follower === undefined) return;
    for (const hook of [...this.orderHooks]) hook(e);
    // Before the order executes (a close removes the row whose lineage its reply will need).
    const rows = this.options.sim.account(e.accountId).positions();
    this.lineage.update(e.accountId, rows);
    const tag = e.magic === this.options.magic ? parseCopyComment(e.comment) : null;
    if (tag === null) return;
    const key = `${e.accountId}|${tag.masterShort}|${tag.masterTicket}`;
    this.opensByCopy.set(key, (this.opensByCopy.get(key) ?? 0) + 1);
    if (!follower.hedging) return;
    // Before the order executes: does the account already hold a copy (position or pending) of this master ticket?
    const existing = rows
      .filter((r) => {
        const l = this.lineage.of(e.accountId, r.ticket);
        return l !== undefined && l.masterShort === tag.masterShort && l.masterTicket === tag.masterTicket;
      })
      .map((r) => r.ticket);
    if (existing.length > 0) {
      this.duplicates.push({ followerId: e.accountId, masterShort: tag.masterShort, masterTicket: tag.masterTicket, at: Date.now(), existing, symbol: e.symbol, volume: e.volume, key: this.batchKeyOf(e) });
    }
  }

  /**
   * The User-Agent of the request in flight that carries this order (a batch naming the account, or the account's
   * terminal route), if any: in cluster mode it names the worker that sent it.
   */
  userAgentOf(e: OrderReceivedEvent): string | null {
    for (const x of this.inflight) {
      if (x.accountId === e.accountId) return x.userAgent;
      if (x.path !== '/v1/orders') continue;
      const body = parse(Buffer.concat(x.chunks).toString('utf8')) as { orders?: { account_id?: string }[] } | null;
      if (body?.orders?.some((o) => o.account_id === e.accountId)) return x.userAgent;
    }
    return null;
  }

  /** The Idempotency-Key of the orders batch in flight that carries this order, if any. */
  private batchKeyOf(e: OrderReceivedEvent): string | null {
    for (const x of this.inflight) {
      if (x.path !== '/v1/orders') continue;
      const body = parse(Buffer.concat(x.chunks).toString('utf8')) as { orders?: { account_id?: string; comment?: string }[] } | null;
      if (body?.orders?.some((o) => o.account_id === e.accountId && o.comment === e.comment)) return x.key;
    }
    return null;
  }

  private capture(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') return;
    const sentAt = Date.now();
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? url;
    const m = TERMINAL_PATH.exec(path);
    const accountId = m?.[1] ?? null;
    const route = m ? (m[2] ?? '/') : path;
    const keyHeader = req.headers['idempotency-key'];
    const idempotencyKey = typeof keyHeader === 'string' ? keyHeader : null;
    const uaHeader = req.headers['user-agent'];
    const userAgent = typeof uaHeader === 'string' ? uaHeader : null;
    const inChunks: Buffer[] = [];
    const flight = { path, accountId, key: idempotencyKey, userAgent, chunks: inChunks };
    this.inflight.add(flight);
    // Observe the body as the simulator reads it, without adding a reader that would change the stream's flow.
    const emit = req.emit.bind(req);
    req.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data' && Buffer.isBuffer(args[0])) inChunks.push(args[0]);
      return emit(event, ...args);
    }) as typeof req.emit;
    const outChunks: Buffer[] = [];
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const chunk = args[0];
      if (typeof chunk === 'string') outChunks.push(Buffer.from(chunk));
      else if (Buffer.isBuffer(chunk)) outChunks.push(chunk);
      return end(...args);
    }) as typeof res.end;
    res.on('close', () => this.inflight.delete(flight));
    res.on('finish', () => {
      this.inflight.delete(flight);
      this.exchanges.push({
        method: 'POST',
        path,
        accountId,
        route,
        idempotencyKey,
        userAgent,
        requestBody: parse(Buffer.concat(inChunks).toString('utf8')),
        status: res.statusCode,
        responseBody: parse(Buffer.concat(outChunks).toString('utf8')),
        sentAt,
        answeredAt: Date.now(),
      });
    });
  }

  /**
   * Every leg the copier had to report: rejections (did not execute) and unknown outcomes (timeouts, 504s, 5xx on
   * a trading route). Replays answered from the idempotency store repeat an earlier reply and are not counted again.
   */
  outcomes(): Outcome[] {
    const out: Outcome[] = [];
    const seenKeys = new Set<string>();
    for (const x of this.exchanges) {
      const base = { answeredAt: x.answeredAt, sentAt: x.sentAt, userAgent: x.userAgent };
      if (x.path === '/v1/orders' && x.status === 200) {
        if (x.idempotencyKey !== null) {
          if (seenKeys.has(`o|${x.idempotencyKey}`)) continue;
          seenKeys.add(`o|${x.idempotencyKey}`);
        }
        const req = asObject(x.requestBody) as { orders?: { account_id: string; comment?: string }[] };
        const reply = asObject(x.responseBody) as { results?: { account_id: string; status: string; retcode: number; message: string }[] };
        (reply.results ?? []).forEach((r, i) => {
          if (r.status === 'filled' || !this.options.followers.has(r.account_id)) return;
          const tag = parseCopyComment(req.orders?.[i]?.comment ?? '');
          out.push({
            ...base,
            kind: r.status === 'timeout' ? 'unknown' : 'rejection',
            followerId: r.account_id,
            masterTicket: tag?.masterTicket ?? null,
            masterShort: tag?.masterShort ?? null,
            action: 'open',
            detail: `${r.status} ${r.retcode} ${r.message}`,
          });
        });
      } else if (x.path === '/v1/orders/close' && x.status === 200) {
        if (x.idempotencyKey !== null) {
          if (seenKeys.has(`c|${x.idempotencyKey}`)) continue;
          seenKeys.add(`c|${x.idempotencyKey}`);
        }
        const req = asObject(x.requestBody) as { accounts?: { account_id: string; tickets?: number[] }[] };
        const reply = asObject(x.responseBody) as { results?: { account_id: string; status: string; message: string; results?: { ticket: number; status: string; retcode: number }[] }[] };
        (reply.results ?? []).forEach((leg, i) => {
          if (!this.options.followers.has(leg.account_id)) return;
          const tickets = req.accounts?.[i]?.tickets ?? [];
          const lineageOf = (ticket: number) => this.lineage.of(leg.account_id, ticket);
          const push = (kind: Outcome['kind'], ticket: number | null, detail: string) => {
            const l = ticket === null ? undefined : lineageOf(ticket);
            out.push({ ...base, kind, followerId: leg.account_id, masterTicket: l?.masterTicket ?? null, masterShort: l?.masterShort ?? null, action: 'close', detail });
          };
          if (leg.status === 'timeout') {
            for (const t of tickets.length > 0 ? tickets : [null]) push('unknown', t, `timeout ${leg.message}`);
            return;
          }
          if (leg.status === 'unavailable' || leg.status === 'unreachable' || leg.status === 'invalid') {
            for (const t of tickets.length > 0 ? tickets : [null]) push('rejection', t, `${leg.status} ${leg.message}`);
            return;
          }
          for (const t of leg.results ?? []) {
            // 10036: the position is already closed, which the copier rightly takes as done.
            if (t.status === 'closed' || t.retcode === 10036) continue;
            push(t.status === 'timeout' ? 'unknown' : 'rejection', t.ticket, `${t.status} ${t.retcode}`);
          }
        });
      } else if (x.accountId !== null && this.options.followers.has(x.accountId) && /^\/Order(Send|Modify|Close)$|^\/CloseAll$/.test(x.route)) {
        // A fault answered before the body was read leaves no body: the ticket is then unknown.
        const body = asObject(x.requestBody) as { ticket?: number; comment?: string };
        const action: Outcome['action'] = x.route === '/OrderModify' ? 'modify' : x.route === '/OrderSend' ? 'open' : 'close';
        const tag = typeof body.comment === 'string' ? parseCopyComment(body.comment) : null;
        const l = typeof body.ticket === 'number' ? this.lineage.of(x.accountId, body.ticket) : undefined;
        const who = { followerId: x.accountId, masterTicket: tag?.masterTicket ?? l?.masterTicket ?? null, masterShort: tag?.masterShort ?? l?.masterShort ?? null, action };
        if (x.status === 504 || x.status >= 500) {
          out.push({ ...base, ...who, kind: x.status === 504 ? 'unknown' : 'rejection', detail: `HTTP ${x.status}` });
        } else if (x.status === 200) {
          const r = asObject(x.responseBody) as { success?: boolean; retcode?: number };
          if (r.success !== true && r.retcode !== 10025) out.push({ ...base, ...who, kind: 'rejection', detail: `retcode ${r.retcode ?? '?'}` });
        } else {
          out.push({ ...base, ...who, kind: 'rejection', detail: `HTTP ${x.status}` });
        }
      }
    }
    return out;
  }
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function parse(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
