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

describe('LedgerIndex.dropSettled at scale', () => {
  it('settles a master ticket copied to many followers in one go, keeping the order of everything else', () => {
    const links: CopyLink[] = [];
    for (let i = 0; i < 300; i++) {
      links.push(link({ followerId: `f${i}`, followerTicket: i, status: i % 3 === 0 ? 'open' : 'closed' }));
      links.push(link({ masterTicket: 2, followerId: `f${i}`, followerTicket: 1000 + i, status: 'closed' }));
    }
    const ledger = new LedgerIndex(links);
    expect(ledger.dropSettled('m', 1)).toBe(200);
    expect(links).toHaveLength(400);
    expect(links.filter((l) => l.masterTicket === 1).every((l) => l.status === 'open')).toBe(true);
    expect(links.filter((l) => l.masterTicket === 2).map((l) => l.followerTicket)).toEqual(Array.from({ length: 300 }, (_, i) => 1000 + i));
    expect(ledger.ofMaster('m', 1)).toHaveLength(100);
    expect(ledger.ofFollower('f1').map((l) => l.masterTicket)).toEqual([2]);
    expect(ledger.ofFollower('f3').map((l) => l.masterTicket)).toEqual([1, 2]);
    for (const l of links) if (l.masterTicket === 1) l.status = 'closed';
    expect(ledger.dropSettled('m', 1)).toBe(100);
    expect(ledger.ofMaster('m', 1)).toEqual([]);
    expect(ledger.dropSettled('m', 1)).toBe(0);
    expect(links).toHaveLength(300);
  });
});

describe('LedgerIndex.ofMasterOnFollower', () => {
  it('answers what ofMaster filtered by follower answers, through add, rekey, dropSettled and prune', () => {
    const links = [link({}), link({ followerId: 'g', followerTicket: 20 }), link({ followerTicket: 11, status: 'closed', openedAt: 5 }), link({ masterTicket: 2, followerTicket: 12 })];
    const ledger = new LedgerIndex(links);
    const same = () => {
      for (const [m, t] of [['m', 1], ['m', 2], ['m', 3]] as const) {
        for (const f of ['f', 'g', 'h']) expect(ledger.ofMasterOnFollower(m, t, f)).toEqual(ledger.ofMaster(m, t).filter((l) => l.followerId === f));
      }
    };
    same();
    expect(ledger.ofMasterOnFollower('m', 1, 'f').map((l) => l.followerTicket)).toEqual([10, 11]);
    const added = link({ masterTicket: 3, followerId: 'h', followerTicket: 30 });
    ledger.add(added);
    same();
    ledger.rekey(added, 2);
    same();
    expect(ledger.ofMasterOnFollower('m', 2, 'h')).toEqual([added]);
    expect(ledger.ofMasterOnFollower('m', 3, 'h')).toEqual([]);
    ledger.dropSettled('m', 1);
    same();
    expect(ledger.ofMasterOnFollower('m', 1, 'f').map((l) => l.followerTicket)).toEqual([10]);
    for (const l of links) if (l.masterTicket === 2) l.status = 'closed';
    ledger.prune(Number.MAX_SAFE_INTEGER);
    same();
    expect(ledger.ofMasterOnFollower('m', 2, 'h')).toEqual([]);
  });
});
