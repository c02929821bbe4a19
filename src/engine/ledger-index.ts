/**
 * The ticket map with indexes: the persisted `links` array stays the source of truth (it is what the store writes);
 * the maps make the copy path's lookups O(1). Closed links are pruned from the array after a retention window.
 */
import type { CopyLink } from '../domain/ledger.js';
import { masterKey } from '../domain/ledger.js';
import { FreshCopies } from './fresh-copies.js';

export class LedgerIndex {
  private readonly links: CopyLink[];
  private readonly byMaster = new Map<string, CopyLink[]>();
  private readonly byFollower = new Map<string, CopyLink[]>();
  /** Links of one master ticket on one follower: applying a 1,000-leg close looks each leg's links up here. */
  private readonly byMasterFollower = new Map<string, CopyLink[]>();
  /**
   * Copies just opened whose rows the follower caches may not show yet, for the daily risk budget. Kept here because
   * every path that adds a link (copy path, reconciliation, settling, the market-closed queue) adds it through this
   * index; not persisted: after a restart the broker's rows are read first.
   */
  readonly freshCopies = new FreshCopies();

  constructor(links: CopyLink[]) {
    this.links = links;
    for (const link of links) this.index(link);
  }

  private index(link: CopyLink): void {
    push(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
    push(this.byFollower, link.followerId, link);
    push(this.byMasterFollower, pairKey(link), link);
  }

  all(): readonly CopyLink[] {
    return this.links;
  }

  /** Links of a master position or pending order (every follower, every status). */
  ofMaster(masterId: string, masterTicket: number): readonly CopyLink[] {
    return this.byMaster.get(masterKey(masterId, masterTicket)) ?? [];
  }

  /** Links of a master position or pending order on one follower (every status), in the order `ofMaster` has them. */
  ofMasterOnFollower(masterId: string, masterTicket: number, followerId: string): readonly CopyLink[] {
    return this.byMasterFollower.get(`${masterKey(masterId, masterTicket)}\u0000${followerId}`) ?? [];
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
    remove(this.byMasterFollower, pairKey(link), link);
    link.masterTicket = masterTicket;
    push(this.byMaster, masterKey(link.masterId, link.masterTicket), link);
    push(this.byMasterFollower, pairKey(link), link);
  }

  /**
   * Removes the closed and detached links of a master position or order that is gone: nothing can reopen them any
   * more, and keeping them would grow the state file (and every write of it) without bound. Returns how many.
   */
  dropSettled(masterId: string, masterTicket: number): number {
    const key = masterKey(masterId, masterTicket);
    const ofTicket = this.byMaster.get(key);
    if (!ofTicket) return 0;
    const settled = new Set<CopyLink>();
    for (const l of ofTicket) if (l.status !== 'open') settled.add(l);
    if (settled.size === 0) return 0;
    // One pass over each list (a master position copied to 1,000 followers settles 1,000 links at once: one
    // indexOf + splice per link would be quadratic). Lists are compacted in place: `links` is the state's own array.
    compact(this.links, settled);
    compact(ofTicket, settled);
    if (ofTicket.length === 0) this.byMaster.delete(key);
    for (const link of settled) {
      remove(this.byFollower, link.followerId, link);
      remove(this.byMasterFollower, pairKey(link), link);
    }
    return settled.size;
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
        remove(this.byMasterFollower, pairKey(link), link);
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

function pairKey(link: CopyLink): string {
  return `${masterKey(link.masterId, link.masterTicket)}\u0000${link.followerId}`;
}

/** Removes the members of `gone` from `list` in place, keeping the order of the rest. */
function compact(list: CopyLink[], gone: ReadonlySet<CopyLink>): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const link = list[r] as CopyLink;
    if (!gone.has(link)) list[w++] = link;
  }
  list.length = w;
}

function remove(map: Map<string, CopyLink[]>, key: string, link: CopyLink): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(link);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
