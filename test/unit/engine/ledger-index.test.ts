import { describe, expect, it } from 'vitest';
import type { CopyLink } from '../../../src/domain/ledger.js';
import { LedgerIndex } from '../../../src/engine/ledger-index.js';

const link = (over: Partial<CopyLink>): CopyLink => ({
  masterId: 'm',
  masterTicket: 1,
  followerId: 'f',
  followerTicket: 10,
  kind: 'position',
  followerSymbol: 'EURUSDm',
  masterSymbol: 'EURUSD',
  side: 'buy',
  volume: 0.1,
  masterVolume: 0.1,
  openedAt: 0,
  status: 'open',
  ...over,
});

describe('LedgerIndex', () => {
  it('indexes by master position and by follower, over the persisted array itself', () => {
    const links = [link({}), link({ followerId: 'g', followerTicket: 20 }), link({ masterTicket: 2, followerTicket: 11 })];
    const ledger = new LedgerIndex(links);
    expect(ledger.ofMaster('m', 1)).toHaveLength(2);
    expect(ledger.ofFollower('f').map((l) => l.followerTicket)).toEqual([10, 11]);
    ledger.add(link({ masterTicket: 3, followerTicket: 12 }));
    expect(links).toHaveLength(4);
    expect(ledger.ofMaster('m', 3)).toHaveLength(1);
  });

  it('dropSettled removes only the non-open links of that master ticket, from the array and the indexes', () => {
    const links = [link({ status: 'closed' }), link({ followerId: 'g', followerTicket: 20, status: 'detached' }), link({ followerId: 'h', followerTicket: 30 }), link({ masterTicket: 2, status: 'closed' })];
    const ledger = new LedgerIndex(links);
    expect(ledger.dropSettled('m', 1)).toBe(2);
    expect(links.map((l) => `${l.masterTicket}/${l.followerId}/${l.status}`)).toEqual(['1/h/open', '2/f/closed']);
    expect(ledger.ofMaster('m', 1).map((l) => l.followerId)).toEqual(['h']);
    expect(ledger.ofFollower('g')).toEqual([]);
    expect(ledger.ofFollower('f').map((l) => l.masterTicket)).toEqual([2]);
  });
});
