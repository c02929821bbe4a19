/**
 * The report views the control API returns (plain data, JSON as is): the bot formats them, the Mini App renders them.
 * Money is in integer minor units of the currency named beside it (`minor / 10^digits`); times are UTC epoch ms.
 */
import type { Minor } from './money.js';
import type { BucketUnit } from './period.js';
import type { QualityFigures } from './quality.js';

/** The period a view covers. */
export interface PeriodView {
  /** "today", "last 7 days", "all history", "2026-11", … */
  label: string;
  /** UTC ms; null = from the beginning of the history read. */
  fromMs: number | null;
  /** UTC ms, inclusive. */
  toMs: number;
  /** Broker server time − UTC of the follower's broker, seconds (its days start at 00:00 server time). */
  utcOffsetSeconds: number;
}

/** One trade named in a view. */
export interface TradeRefView {
  masterId: string;
  masterTicket: number;
  /** The master's symbol. */
  symbol: string;
  net: Minor;
  closeMs: number;
}

/** Figures of a set of closed trades, in one account's currency. */
export interface FiguresView {
  trades: number;
  wins: number;
  losses: number;
  /** wins ÷ trades (0..1), null without trades. */
  winRate: number | null;
  /** profit + swap + commission. */
  net: Minor;
  profit: Minor;
  swap: Minor;
  commission: Minor;
  best: TradeRefView | null;
  worst: TradeRefView | null;
  /** Largest fall of the cumulative realized P&L curve below its peak (≥ 0). */
  maxDrawdown: Minor;
}

/** An account a view names, with its currency. */
export interface AccountRefView {
  id: string;
  name: string;
  currency: string;
  digits: number;
}

/** `/profit`: a follower's realized P&L of copies closed in a period, and the master's on the same trades. */
export interface ProfitView {
  follower: AccountRefView;
  period: PeriodView;
  /** The follower's closed copies, in its currency. */
  figures: FiguresView;
  /** Per master: the master positions those copies copied that are closed, in the master's currency. */
  masters: {
    master: AccountRefView;
    figures: FiguresView;
    /** Copies whose master position is still open on the master (not in its figures). */
    stillOpen: number;
    /** Copies whose master position was not found in the master's history. */
    notFound: number;
  }[];
  /** The masters' results on the same trades at the follower's size, in the follower's currency. */
  masterScaled: { trades: number; wins: number; net: Minor; maxDrawdown: Minor };
  /** The follower's copies still open (their P&L is not realized yet). */
  openCopies: number;
}

/** One row of a period or symbol table, in the follower's currency. */
export interface TableRowView {
  label: string;
  trades: number;
  wins: number;
  net: Minor;
  /** The master's result on the same trades at the follower's size; null when known for none. */
  masterNet: Minor | null;
  /** Rows' trades whose master result is known. */
  masterTrades: number;
}

/** `/daily`, `/weekly`, `/monthly`: one row per server day, week or month, the current one last. */
export interface PeriodTableView {
  follower: AccountRefView;
  unit: BucketUnit;
  period: PeriodView;
  rows: (TableRowView & { fromMs: number; toMs: number })[];
  total: TableRowView;
}

/** `/performance`: one row per master symbol. */
export interface SymbolTableView {
  follower: AccountRefView;
  period: PeriodView;
  rows: (TableRowView & { followerSymbols: string[] })[];
  total: TableRowView;
}

/** `/quality`: copy quality figures of one follower over a period, in its currency (`notCopied` in the masters'). */
export interface QualityView extends QualityFigures {
  follower: AccountRefView;
  period: PeriodView;
  /** The masters `notCopied` amounts are in. */
  masters: AccountRefView[];
}
