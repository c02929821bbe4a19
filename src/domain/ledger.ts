import type { AccountId } from './config.js';
import type { Side } from './trading.js';

/**
 * One follower order copying one master position or pending order: the ticket map (design.md §3, State).
 * On a netting follower several master positions on one symbol net into one follower position; each keeps its own
 * link with its share in `volume`, all pointing at the same `followerTicket`.
 */
export interface CopyLink {
  masterId: AccountId;
  /** Master position id, or the master's pending order ticket while `kind` is 'pending'. */
  masterTicket: number;
  followerId: AccountId;
  /** Follower position or pending-order ticket. */
  followerTicket: number;
  kind: 'position' | 'pending';
  followerSymbol: string;
  masterSymbol: string;
  /** Side of the follower order (the master's side, or the opposite with reverse copy). */
  side: Side;
  /** Lots this link holds on the follower. */
  volume: number;
  /** Lots the master held when the link last changed (for proportional closes and drift checks). */
  masterVolume: number;
  openedAt: number;
  /**
   * open: live copy. detached: the follower closed it by hand; never reopened. closed: done.
   */
  status: 'open' | 'detached' | 'closed';
}

/** Stable key of a link's master side. */
export function masterKey(masterId: AccountId, masterTicket: number): string {
  return `${masterId}#${masterTicket}`;
}
