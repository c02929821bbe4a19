/**
 * Before reconciliation closes or shrinks a follower position, the row is read again and checked against the copy's
 * two records: its tag at the broker (magic + comment) and the ledger. Only a row both agree on (or, with no tag,
 * the ledger alone with the copier's magic) is acted on; any disagreement is reported and the position left as it
 * is, since closing a position that is not provably the copy it is thought to be loses the owner money.
 */
import type { CopyLink } from './ledger.js';
import { masterShortId, parseCopyComment } from './tags.js';
import type { MarginMode, OpenedOrder } from './trading.js';
import { sideOf } from './trading.js';
import { roundLots } from './volume.js';

/** Why a row cannot be proved to be the copy reconciliation planned to change. */
export type CopyMismatch =
  /** The row is no longer open (closed meanwhile, or never there). */
  | { kind: 'row_gone' }
  /** Its volume changed since the run read it: the next run plans from the new one. */
  | { kind: 'volume_changed'; planned: number; now: number }
  /** It does not carry the copier's magic number: not an order the copier placed. */
  | { kind: 'not_ours'; magic: number }
  /** Its tag names another master position than the ledger's link does. */
  | { kind: 'tag_mismatch'; tagMasterTicket: number; tagOtherMaster: boolean }
  /** Its symbol or side is not the ledger link's. */
  | { kind: 'ledger_mismatch'; field: 'symbol' | 'side'; ledger: string; row: string }
  /** Neither a valid tag nor a ledger link says it is a copy of this master position. */
  | { kind: 'unproven' };

/** What reconciliation expects to find under one follower ticket. */
export interface CopyExpectation {
  magic: number;
  masterId: string;
  masterTicket: number;
  /** The row's volume when the run planned the change. */
  plannedLots: number;
  /** The follower's open links on this ticket (any master): a netting row may carry several. */
  links: readonly CopyLink[];
  marginMode: MarginMode;
  /**
   * Tickets the master position had before (MT4 reopens a partially closed rest under a new ticket, while its copies
   * keep the tag of the first one): a tag naming one of them agrees.
   */
  formerTickets?: readonly number[];
}

/** Null when the fresh row is provably the copy expected; otherwise why not. */
export function proveCopy(row: OpenedOrder | undefined, expect: CopyExpectation): CopyMismatch | null {
  if (row === undefined) return { kind: 'row_gone' };
  if (roundLots(row.lots) !== roundLots(expect.plannedLots)) return { kind: 'volume_changed', planned: expect.plannedLots, now: row.lots };
  if (row.magic !== expect.magic) return { kind: 'not_ours', magic: row.magic };
  const own = expect.links.find((l) => l.status === 'open' && l.followerTicket === row.ticket && l.masterId === expect.masterId && l.masterTicket === expect.masterTicket);
  const tag = parseCopyComment(row.comment);
  // A netting row carries the tag of the order that first opened it, whoever's shares it holds now: only the ledger
  // knows them, so the tag is checked on hedging rows only.
  if (tag !== null && expect.marginMode !== 'Netting') {
    const sameMaster = tag.masterShort === masterShortId(expect.masterId);
    const ownTicket = tag.masterTicket === expect.masterTicket || (expect.formerTickets?.includes(tag.masterTicket) ?? false);
    if (!(sameMaster && ownTicket)) return { kind: 'tag_mismatch', tagMasterTicket: tag.masterTicket, tagOtherMaster: !sameMaster };
  }
  if (own === undefined) {
    // A tagged row the ledger never knew (adopted or orphaned from the broker's tags alone) is proved by its tag.
    const namesIt = tag !== null && tag.masterShort === masterShortId(expect.masterId) && tag.masterTicket === expect.masterTicket;
    return tag !== null && (expect.marginMode !== 'Netting' || namesIt) ? null : { kind: 'unproven' };
  }
  if (row.symbol !== own.followerSymbol) return { kind: 'ledger_mismatch', field: 'symbol', ledger: own.followerSymbol, row: row.symbol };
  // A netting row's side is the net of its shares, not any one share's.
  if (expect.marginMode !== 'Netting' && sideOf(row.type) !== own.side) return { kind: 'ledger_mismatch', field: 'side', ledger: own.side, row: sideOf(row.type) };
  return null;
}

/** One line for the reconciliation report. */
export function describeMismatch(m: CopyMismatch): string {
  switch (m.kind) {
    case 'row_gone':
      return 'the position is no longer open';
    case 'volume_changed':
      return `its volume changed meanwhile (${m.planned} → ${m.now})`;
    case 'not_ours':
      return `it does not carry the copier's magic number (${m.magic})`;
    case 'tag_mismatch':
      return m.tagOtherMaster ? 'its tag names another master account' : `its tag names master #${m.tagMasterTicket}, the ledger another`;
    case 'ledger_mismatch':
      return `its ${m.field} (${m.row}) is not the ledger's (${m.ledger})`;
    case 'unproven':
      return 'neither its tag nor the ledger says it is this copy';
  }
}
