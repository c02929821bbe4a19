/**
 * The ticket map with indexes: the persisted `links` array stays the source of truth (it is what the store writes);
 * the maps make the copy path's lookups O(1). Closed links are pruned from the array after a retention window.
 */
import type { CopyLink } from '../domain/ledger.js';
import { masterKey } from '../domain/ledger.js';

export class LedgerIndex {
  private readonly links: CopyLink[];
  private readonly byMaster = new Map<string, CopyLink[]>();
  private readonly byFollower = new Map<string, CopyLink[]>();

  constructor(links: CopyLink[]) {
    this.links = links;
    for (const link of links) this.index(link);
  }

  private index(link: CopyLink): void {
    push(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
    push(this.byFollower, link.followerId, link);
  }

  all(): readonly CopyLink[] {
    return this.links;
  }

  /** Links of a master position or pending order (every follower, every status). */
  ofMaster(masterId: string, masterTicket: number): readonly CopyLink[] {
    return this.byMaster.get(masterKey(masterId, masterTicket)) ?? [];
  }

  ofFollower(followerId: string): readonly CopyLink[] {
    return this.byFollower.get(followerId) ?? [];
  }

  openOfFollower(followerId: string): CopyLink[] {
    return this.ofFollower(followerId).filter((l) => l.status === 'open');
  }

  add(link: CopyLink): void {
    this.links.push(link);
    this.index(link);
  }

  /** Moves a master-side key (a pending order that triggered keeps its ticket on MT5, so usually a no-op). */
  rekey(link: CopyLink, masterTicket: number): void {
    remove(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
    link.masterTicket = masterTicket;
    push(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
  }

  /**
   * Removes the closed and detached links of a master position or order that is gone: nothing can reopen them any
   * more, and keeping them would grow the state file (and every write of it) without bound. Returns how many.
   */
  dropSettled(masterId: string, masterTicket: number): number {
    const settled = this.ofMaster(masterId, masterTicket).filter((l) => l.status !== 'open');
    for (const link of settled) {
      const i = this.links.indexOf(link);
      if (i >= 0) this.links.splice(i, 1);
      remove(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
      remove(this.byFollower, link.followerId, link);
    }
    return settled.length;
  }

  /** Drops closed and detached links older than `before` (epoch ms) from the array and the indexes. */
  prune(before: number): number {
    let removed = 0;
    for (let i = this.links.length - 1; i >= 0; i--) {
      const link = this.links[i];
      if (link && link.status !== 'open' && link.openedAt < before) {
        this.links.splice(i, 1);
        remove(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
        remove(this.byFollower, link.followerId, link);
        removed++;
      }
    }
    return removed;
  }
}

function push(map: Map<string, CopyLink[]>, key: string, link: CopyLink): void {
  const list = map.get(key);
  if (list) list.push(link);
  else map.set(key, [link]);
}

function remove(map: Map<string, CopyLink[]>, key: string, link: CopyLink): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(link);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
