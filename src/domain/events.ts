import type { AccountId } from './config.js';
import type { Side } from './trading.js';

/**
 * What the master did, as detected from its terminal stream (design.md §3, Detection). One value per master action;
 * the copier turns each into one batch across followers. Times are epoch milliseconds from the injected clock.
 *
 * Identity: `position` is the master's position id (the `In`/`Out` join key, §4.5); for pending orders `order` is the
 * pending ticket. `eventId` is a deterministic id of this action (deal number for deals, a digest for diffs) used to
 * derive the batch's Idempotency-Key.
 */
export type MasterEvent =
  | MasterOpen
  | MasterClose
  | MasterModify
  | MasterPendingPlace
  | MasterPendingModify
  | MasterPendingDelete;

interface MasterEventBase {
  masterId: AccountId;
  /** Deterministic id of this action, unique per master (e.g. `d<deal>` or `m<ticket>:<sl>:<tp>`). */
  eventId: string;
  /** When the copier saw it (epoch ms). */
  detectedAt: number;
}

/** A position opened, or added to on a netting master (`In`), or the opening half of an `InOut` reversal. */
export interface MasterOpen extends MasterEventBase {
  kind: 'open';
  position: number;
  deal: number;
  symbol: string;
  side: Side;
  /** Lots added by this deal. */
  volume: number;
  /**
   * The master position's lots before this deal: 0 for a new position, > 0 for an add to a netting position. A new
   * position is copied once per follower; only an add may open more on a follower that already holds a copy.
   */
  volumeBefore: number;
  /** Master fill price. */
  price: number;
  stopLoss: number;
  takeProfit: number;
  /** Set when this open is a pending order of the master that triggered. */
  fromPendingOrder: number | null;
}

/** A position closed in full or in part (`Out`), or the closing half of an `InOut` reversal. */
export interface MasterClose extends MasterEventBase {
  kind: 'close';
  position: number;
  deal: number;
  symbol: string;
  /** Side of the position being closed (not of the closing deal). */
  side: Side;
  /** Lots closed by this deal. */
  volume: number;
  /** Master volume before this close; `volume / volumeBefore` is the fraction closed. */
  volumeBefore: number;
  price: number;
}

/** SL and/or TP of an open master position changed (found by diffing `positions`). 0 = none. */
export interface MasterModify extends MasterEventBase {
  kind: 'modify';
  position: number;
  symbol: string;
  side: Side;
  stopLoss: number;
  takeProfit: number;
  previousStopLoss: number;
  previousTakeProfit: number;
}

/** A pending order placed on the master. */
export interface MasterPendingPlace extends MasterEventBase {
  kind: 'pending_place';
  order: number;
  symbol: string;
  operation: string;
  volume: number;
  price: number;
  stopLoss: number;
  takeProfit: number;
}

/** A master pending order moved (price, SL or TP). */
export interface MasterPendingModify extends MasterEventBase {
  kind: 'pending_modify';
  order: number;
  symbol: string;
  operation: string;
  price: number;
  stopLoss: number;
  takeProfit: number;
}

/** A master pending order deleted or expired without triggering. */
export interface MasterPendingDelete extends MasterEventBase {
  kind: 'pending_delete';
  order: number;
  symbol: string;
  operation: string;
}

export type MasterEventKind = MasterEvent['kind'];
