/**
 * Gathers what a follower's reports are made of (domain/performance `ReportInput`): the follower's closed copies from
 * its broker's history, the master positions they copied from the masters' history, the symbols' values and the
 * journal. Only REST reads, through a limiter, and only when a report is asked for: nothing here is on the copy path
 * or awaited by it. What it read is cached per (follower, period) for a short while.
 */
import type { FollowerConfig } from '../../domain/config.js';
import { RejectedError } from '../../domain/errors.js';
import {
  closedParts,
  masterTrades,
  nettingCopies,
  positionCopies,
  serverTimeToUtc,
  type AccountFacts,
  type CloseHint,
  type CopyTagContext,
  type FollowerCopies,
  type MasterTrade,
  type PeriodBounds,
  type ReportInput,
  type SymbolValue,
} from '../../domain/performance/index.js';
import { masterShortId } from '../../domain/tags.js';
import type { HistoryDeal, PositionTrade } from '../../domain/trading.js';
import type { BrokerPort, Clock, JournalRow, Logger, TerminalPort } from '../ports.js';
import { DEFAULT_PAGING, readHistory, type HistoryPaging, type HistoryRange } from './history-reader.js';
import { Limiter } from './limiter.js';
import { TtlCache } from './ttl-cache.js';

const DAY_MS = 86_400_000;

/** Tuning of report reads. */
export interface ReportSourceOptions {
  paging: HistoryPaging;
  /** How long what was read for a (follower, period) is reused. */
  ttlMs: number;
  /** How long an account's currency, digits and server offset, and a symbol's values, are reused. */
  factsTtlMs: number;
  /** History requests in flight at most, over all reports. */
  concurrency: number;
  /**
   * How far before the period a netting follower's deals are read (the opens of copies closed in the period), and how
   * far back an MT4 follower's split chains are followed.
   */
  lookbackMs: number;
  /** How far before a copy's open the master's history is read. */
  masterSlackMs: number;
}

export const DEFAULT_REPORT_OPTIONS: Readonly<ReportSourceOptions> = Object.freeze({
  paging: DEFAULT_PAGING,
  ttlMs: 30_000,
  factsTtlMs: 600_000,
  concurrency: 2,
  lookbackMs: 30 * DAY_MS,
  masterSlackMs: DAY_MS,
});

/** What the source reads besides the broker. */
export interface ReportSourceDeps {
  broker: Pick<BrokerPort, 'terminal'>;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  /** The copier's magic number (a copy carries it with its tag). */
  magic: number;
  accountName(id: string): string;
  followerConfig(id: string): FollowerConfig | undefined;
  /** Every configured master id. */
  masterIds(): string[];
  /** The journal (newest last). */
  journal(): readonly JournalRow[];
}

interface AccountRead extends AccountFacts {
  netting: boolean;
}

/** Reads report inputs; one instance per engine. */
export class ReportSource {
  readonly #deps: ReportSourceDeps;
  readonly #options: ReportSourceOptions;
  readonly #limiter: Limiter;
  readonly #inputs: TtlCache<ReportInput>;
  readonly #facts: TtlCache<AccountRead>;
  readonly #values: TtlCache<SymbolValue | null>;

  constructor(deps: ReportSourceDeps, options: Partial<ReportSourceOptions> = {}) {
    this.#deps = deps;
    this.#options = { ...DEFAULT_REPORT_OPTIONS, ...options };
    this.#limiter = new Limiter(this.#options.concurrency);
    this.#inputs = new TtlCache(deps.clock, this.#options.ttlMs);
    this.#facts = new TtlCache(deps.clock, this.#options.factsTtlMs);
    this.#values = new TtlCache(deps.clock, this.#options.factsTtlMs, 512);
  }

  /**
   * The report input of a follower over the bounds `boundsOf` gives for its broker's offset (computed once the offset
   * is known). `cacheKey` names the period (e.g. `7d`, `day:14`).
   * @throws RejectedError `not_a_follower`; what `boundsOf` throws (a period in the future); the client's errors
   */
  input(followerId: string, cacheKey: string, boundsOf: (utcOffsetSeconds: number) => PeriodBounds): Promise<ReportInput> {
    const cfg = this.#deps.followerConfig(followerId);
    if (cfg === undefined) {
      return Promise.reject(new RejectedError('not_a_follower', `${this.#deps.accountName(followerId)} is not a follower; reports cover followers' copies.`));
    }
    return this.#inputs.get(`${followerId}|${cacheKey}`, async () => {
      const follower = await this.#account(followerId);
      return this.#read(cfg, follower, boundsOf(follower.utcOffsetSeconds));
    });
  }

  #read = async (cfg: FollowerConfig, follower: AccountRead, bounds: PeriodBounds): Promise<ReportInput> => {
    const terminal = await this.#deps.broker.terminal(follower.id);
    const shorts = new Map<string, string>();
    for (const id of new Set([...this.#deps.masterIds(), ...cfg.masters])) shorts.set(masterShortId(id), id);
    const ctx: CopyTagContext = { magic: this.#deps.magic, masters: shorts };
    const journal = this.#deps.journal().filter((r) => r.followerId === follower.id);
    const read = follower.netting ? await this.#nettingCopies(terminal, follower, bounds, ctx, journal) : await this.#positionCopies(terminal, follower, bounds, ctx);

    const inBounds = (t: number) => (bounds.fromMs === null || t >= bounds.fromMs) && t <= bounds.toMs;
    const copies = read.copies.filter((c) => inBounds(c.closeMs));
    const skipped = journal.filter((r) => inBounds(r.at) && r.masterTicket !== null && (r.eventKind === 'open' || r.eventKind === 'pending_place'));
    const since = new Map<string, number>();
    const note = (masterId: string, t: number) => since.set(masterId, Math.min(since.get(masterId) ?? t, t));
    for (const c of copies) note(c.key.masterId, c.openMs);
    for (const r of skipped) note(r.masterId, r.at);

    const masters = new Map<string, AccountFacts>();
    const trades = new Map<string, ReadonlyMap<number, MasterTrade>>();
    for (const [masterId, first] of since) {
      const facts = await this.#account(masterId);
      masters.set(masterId, facts);
      trades.set(masterId, await this.#masterTrades(masterId, facts, { fromMs: first - this.#options.masterSlackMs, toMs: bounds.toMs }));
    }

    const followerValues = await this.#symbolValues(terminal, follower.id, new Set(copies.map((c) => c.symbol)));
    const masterValues = new Map<string, SymbolValue | null>();
    for (const [masterId, byTicket] of trades) {
      const wanted = new Set(copies.filter((c) => c.key.masterId === masterId).flatMap((c) => {
        const t = byTicket.get(c.key.masterTicket);
        return t === undefined ? [] : [t.symbol];
      }));
      if (wanted.size === 0) continue;
      const master = await this.#deps.broker.terminal(masterId);
      for (const [symbol, value] of await this.#symbolValues(master, masterId, wanted)) masterValues.set(`${masterId}\u0000${symbol}`, value);
    }
    return {
      follower,
      masters,
      bounds,
      copies,
      openKeys: read.openKeys,
      masterTrades: trades,
      followerValue: (symbol) => followerValues.get(symbol) ?? null,
      masterValue: (masterId, symbol) => masterValues.get(`${masterId}\u0000${symbol}`) ?? null,
      journal,
    };
  };

  #schedule = <R>(task: () => Promise<R>): Promise<R> => this.#limiter.run(task);

  #account(accountId: string): Promise<AccountRead> {
    return this.#facts.get(accountId, async () => {
      const terminal = await this.#deps.broker.terminal(accountId);
      const [info, zone] = await Promise.all([this.#schedule(() => terminal.accountInfo()), this.#schedule(() => terminal.serverTimezone())]);
      return {
        id: accountId,
        name: this.#deps.accountName(accountId),
        currency: info.currency,
        digits: info.currencyDigits ?? 2,
        utcOffsetSeconds: zone.utcOffsetSeconds,
        netting: info.marginMode === 'Netting',
      };
    });
  }

  #positions(terminal: TerminalPort, facts: AccountFacts, range: HistoryRange): Promise<PositionTrade[]> {
    const off = facts.utcOffsetSeconds;
    return readHistory((r) => terminal.positionHistory(r), (row: PositionTrade) => serverTimeToUtc(row.closeTime, off), range, off, this.#options.paging, this.#schedule).then((r) => r.rows);
  }

  async #positionCopies(terminal: TerminalPort, follower: AccountRead, bounds: PeriodBounds, ctx: CopyTagContext): Promise<FollowerCopies> {
    const rows = await this.#positions(terminal, follower, { fromMs: bounds.fromMs, toMs: bounds.toMs });
    const open = await this.#schedule(() => terminal.openedOrders());
    let parsed = closedParts(rows, follower.utcOffsetSeconds, follower.digits).parts;
    let result = positionCopies(parsed, open, ctx);
    // An MT4 split chain whose first order closed before the period: read further back for it, once.
    if (result.unresolved.length > 0 && bounds.fromMs !== null) {
      const older = await this.#positions(terminal, follower, { fromMs: bounds.fromMs - this.#options.lookbackMs, toMs: bounds.fromMs - 1 });
      parsed = [...closedParts(older, follower.utcOffsetSeconds, follower.digits).parts, ...parsed];
      result = positionCopies(parsed, open, ctx);
    }
    return result;
  }

  async #nettingCopies(terminal: TerminalPort, follower: AccountRead, bounds: PeriodBounds, ctx: CopyTagContext, journal: readonly JournalRow[]): Promise<FollowerCopies> {
    const off = follower.utcOffsetSeconds;
    const range = { fromMs: bounds.fromMs === null ? null : bounds.fromMs - this.#options.lookbackMs, toMs: bounds.toMs };
    const deals = await readHistory((r) => terminal.orderHistory(r), (row: HistoryDeal) => serverTimeToUtc(row.time, off), range, off, this.#options.paging, this.#schedule);
    return nettingCopies(deals.rows, off, follower.digits, ctx, closeHints(journal));
  }

  async #masterTrades(masterId: string, facts: AccountFacts, range: HistoryRange): Promise<Map<number, MasterTrade>> {
    const terminal = await this.#deps.broker.terminal(masterId);
    const rows = await this.#positions(terminal, facts, range);
    const open = await this.#schedule(() => terminal.openedOrders());
    return masterTrades(masterId, closedParts(rows, facts.utcOffsetSeconds, facts.digits).parts, open);
  }

  async #symbolValues(terminal: TerminalPort, accountId: string, symbols: ReadonlySet<string>): Promise<Map<string, SymbolValue | null>> {
    const out = new Map<string, SymbolValue | null>();
    for (const symbol of symbols) {
      const value = await this.#values.get(`${accountId}\u0000${symbol}`, () =>
        this.#schedule(() => terminal.symbolInfo(symbol)).then(
          (info): SymbolValue | null => (info.tickSize > 0 && info.tickValue > 0 && info.point > 0 ? { perPriceUnit: info.tickValue / info.tickSize, point: info.point } : null),
          (err: unknown) => {
            // A symbol the broker no longer lists: its copies are reported without a master comparison.
            this.#deps.log.debug({ accountId, symbol, err: err instanceof Error ? err.message : String(err) }, 'report: symbol info not read');
            return null;
          },
        ),
      );
      out.set(symbol, value);
    }
    return out;
  }
}

/** The journal's closes of copies, for matching a netting follower's untagged close deals to the copy they closed. */
export function closeHints(journal: readonly JournalRow[]): CloseHint[] {
  const out: CloseHint[] = [];
  for (const r of journal) {
    if (r.action !== 'close' || (r.status !== 'closed' && r.status !== 'partial')) continue;
    if (r.masterTicket === null || r.volume === null || !(r.volume > 0)) continue;
    out.push({ key: { masterId: r.masterId, masterTicket: r.masterTicket }, followerTicket: r.followerTicket, volume: r.volume, at: r.at });
  }
  return out;
}
