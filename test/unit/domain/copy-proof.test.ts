import { describe, expect, it } from 'vitest';
import type { CopyExpectation } from '../../../src/domain/copy-proof.js';
import { describeMismatch, proveCopy } from '../../../src/domain/copy-proof.js';
import { copyComment } from '../../../src/domain/tags.js';
import { link, MAGIC, MASTER, row } from './fixtures.js';

const expectation = (over: Partial<CopyExpectation> = {}): CopyExpectation => ({
  magic: MAGIC,
  masterId: MASTER,
  masterTicket: 5001,
  plannedLots: 1,
  links: [link()],
  marginMode: 'Hedging',
  ...over,
});
const copy = (over: Parameters<typeof row>[0] = {}) => row({ ticket: 9001, magic: MAGIC, comment: copyComment(MASTER, 5001), lots: 1, ...over });

describe('proveCopy: reconciliation acts only on a row tag and ledger agree on', () => {
  it('a tagged, linked row with the planned volume is proved', () => {
    expect(proveCopy(copy(), expectation())).toBeNull();
  });

  it('a linked row whose tag the broker dropped or rewrote is proved by the ledger and the magic', () => {
    expect(proveCopy(copy({ comment: 'from #9000' }), expectation())).toBeNull();
    expect(proveCopy(copy({ comment: '' }), expectation())).toBeNull();
  });

  it('a tagged row the ledger never knew is proved by its tag', () => {
    expect(proveCopy(copy(), expectation({ links: [] }))).toBeNull();
  });

  it('gone, resized meanwhile, or without the magic: not proved', () => {
    expect(proveCopy(undefined, expectation())).toEqual({ kind: 'row_gone' });
    expect(proveCopy(copy({ lots: 0.5 }), expectation())).toEqual({ kind: 'volume_changed', planned: 1, now: 0.5 });
    expect(proveCopy(copy({ magic: 7 }), expectation())).toEqual({ kind: 'not_ours', magic: 7 });
  });

  it('a tag naming another master position or account than the ledger: not proved', () => {
    expect(proveCopy(copy({ comment: copyComment(MASTER, 5002) }), expectation())).toEqual({ kind: 'tag_mismatch', tagMasterTicket: 5002, tagOtherMaster: false });
    expect(proveCopy(copy({ comment: copyComment('another-master', 5001) }), expectation())).toMatchObject({ kind: 'tag_mismatch', tagOtherMaster: true });
  });

  it('a netting row tagged by another position: the ledger decides (the tag is the first order’s)', () => {
    expect(proveCopy(copy({ comment: copyComment(MASTER, 5002) }), expectation({ marginMode: 'Netting' }))).toBeNull();
    expect(proveCopy(copy({ comment: copyComment(MASTER, 5002) }), expectation({ links: [], marginMode: 'Netting' }))).toEqual({ kind: 'unproven' });
  });

  it('an MT4 rest’s copy tagged with the ticket the master position had before its partial close is proved', () => {
    const links = [link({ masterTicket: 5003 })];
    expect(proveCopy(copy(), expectation({ masterTicket: 5003, links, formerTickets: [5001] }))).toBeNull();
    expect(proveCopy(copy(), expectation({ masterTicket: 5003, links }))).toMatchObject({ kind: 'tag_mismatch' });
  });

  it('symbol or side other than the ledger’s: not proved (side not checked on a netting row)', () => {
    expect(proveCopy(copy({ symbol: 'GBPUSD' }), expectation())).toEqual({ kind: 'ledger_mismatch', field: 'symbol', ledger: 'EURUSD', row: 'GBPUSD' });
    expect(proveCopy(copy({ type: 'Sell' }), expectation())).toEqual({ kind: 'ledger_mismatch', field: 'side', ledger: 'buy', row: 'sell' });
    expect(proveCopy(copy({ type: 'Sell' }), expectation({ marginMode: 'Netting' }))).toBeNull();
  });

  it('an untagged row no link claims for this position: not proved', () => {
    expect(proveCopy(copy({ comment: 'manual' }), expectation({ links: [link({ masterTicket: 5002 })] }))).toEqual({ kind: 'unproven' });
  });

  it('every mismatch reads as one line', () => {
    for (const m of [
      { kind: 'row_gone' },
      { kind: 'volume_changed', planned: 1, now: 2 },
      { kind: 'not_ours', magic: 1 },
      { kind: 'tag_mismatch', tagMasterTicket: 1, tagOtherMaster: false },
      { kind: 'tag_mismatch', tagMasterTicket: 1, tagOtherMaster: true },
      { kind: 'ledger_mismatch', field: 'side', ledger: 'buy', row: 'sell' },
      { kind: 'unproven' },
    ] as const) {
      expect(describeMismatch(m)).toMatch(/^[a-z].+[^.]$/);
    }
  });
});
