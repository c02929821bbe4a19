/**
 * The ticket map as slots: each link in the engine's live array has a slot id, and each write takes only the links
 * added, changed or removed since the previous write. Shared by the single process's `links.jsonl` and a cluster
 * partition's links hash in Redis, so both write what changed instead of the whole map.
 *
 * The engine mutates `state.data.links` in place (pushes, splices, field changes). A diff walks the array against the
 * previous write's slots in one pass: an element that is the same object as the slot's and has the same field values
 * costs one identity and a dozen primitive comparisons; a missing object is a removed slot, an unknown one a new slot.
 * Any other rearrangement (an element replaced or inserted in the middle, a sort) is still taken correctly, as the
 * removal and re-addition of every slot after it. Only new and changed links are validated.
 */
import type { z } from 'zod';
import type { CopyLink } from '../domain/ledger.js';
import { copyLinkSchema } from './schema.js';

type Issue = z.core.$ZodIssue;

const KINDS: ReadonlySet<unknown> = new Set(['position', 'pending']);
const SIDES: ReadonlySet<unknown> = new Set(['buy', 'sell']);
const STATUSES: ReadonlySet<unknown> = new Set(['open', 'detached', 'closed']);
const LINK_KEYS = 12;

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * A copy of `value` when it is a link exactly as {@link copyLinkSchema} accepts it (every field present with its
 * type, no other key), built field by field; `undefined` when the schema must decide (and report).
 */
export function fastLinkCopy(value: unknown): CopyLink | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const l = value as Record<string, unknown>;
  const { masterId, masterTicket, followerId, followerTicket, kind, followerSymbol, masterSymbol, side, volume, masterVolume, openedAt, status } = l;
  if (
    typeof masterId !== 'string' ||
    masterId === '' ||
    !isCount(masterTicket) ||
    typeof followerId !== 'string' ||
    followerId === '' ||
    !isCount(followerTicket) ||
    !KINDS.has(kind) ||
    typeof followerSymbol !== 'string' ||
    typeof masterSymbol !== 'string' ||
    !SIDES.has(side) ||
    !isFiniteNumber(volume) ||
    volume < 0 ||
    !isFiniteNumber(masterVolume) ||
    masterVolume < 0 ||
    !isFiniteNumber(openedAt) ||
    !STATUSES.has(status)
  ) {
    return undefined;
  }
  let keys = 0;
  for (const key in l) {
    if (!Object.hasOwn(l, key)) return undefined;
    keys++;
  }
  if (keys !== LINK_KEYS) return undefined;
  return {
    masterId,
    masterTicket,
    followerId,
    followerTicket,
    kind: kind as CopyLink['kind'],
    followerSymbol,
    masterSymbol,
    side: side as CopyLink['side'],
    volume,
    masterVolume,
    openedAt,
    status: status as CopyLink['status'],
  };
}

/** Whether a live link still holds the field values of its snapshot. */
function unchanged(l: CopyLink, s: CopyLink): boolean {
  return (
    l.masterTicket === s.masterTicket &&
    l.followerTicket === s.followerTicket &&
    l.volume === s.volume &&
    l.masterVolume === s.masterVolume &&
    l.status === s.status &&
    l.kind === s.kind &&
    l.masterId === s.masterId &&
    l.followerId === s.followerId &&
    l.followerSymbol === s.followerSymbol &&
    l.masterSymbol === s.masterSymbol &&
    l.side === s.side &&
    l.openedAt === s.openedAt
  );
}

/** The slots of the links array as of one write: the live objects, their ids and copies of their fields. */
export interface LinkSlots {
  objects: unknown[];
  ids: number[];
  snaps: CopyLink[];
}

/** A new or changed link validated and copied; issues pushed with its path when it fails. */
function checkedCopy(item: unknown, index: number, issues: Issue[]): CopyLink | undefined {
  const fast = fastLinkCopy(item);
  if (fast !== undefined) return fast;
  const result = copyLinkSchema.safeParse(item);
  if (!result.success) {
    for (const issue of result.error.issues) issues.push({ ...issue, path: ['links', index, ...issue.path] });
    return undefined;
  }
  return result.data;
}

/** No links written yet. */
export function emptyLinkSlots(): LinkSlots {
  return { objects: [], ids: [], snaps: [] };
}

/** Slots for links read back from storage (ids in the same order), adopted as the last write's. */
export function loadedLinkSlots(links: readonly CopyLink[], ids: readonly number[]): LinkSlots {
  return { objects: [...links], ids: [...ids], snaps: links.map((l) => ({ ...l })) };
}

/** The changes of one diff: links put (by slot id), slots deleted, and the slots to adopt once they are stored. */
export interface LinkSlotChanges {
  put: [number, CopyLink][];
  del: number[];
  next: LinkSlots;
  /** The next free slot id after this diff. */
  nextId: number;
}

/**
 * The changes of `cur` (the live array) since `prev`. Synchronous, so the changes are the array as it is now. `null`
 * when a new or changed link fails validation (issues pushed with their paths, `links.<index>…`).
 */
export function diffLinkSlots(prev: LinkSlots, firstFreeId: number, cur: readonly unknown[], issues: Issue[]): LinkSlotChanges | null {
  const objects = new Array<unknown>(cur.length);
  const ids = new Array<number>(cur.length);
  const snaps = new Array<CopyLink>(cur.length);
  const put: [number, CopyLink][] = [];
  const del: number[] = [];
  let nextId = firstFreeId;
  let j = 0;
  const before = issues.length;
  for (let i = 0; i < cur.length; i++) {
    const item = cur[i];
    // Slots whose object is not here any more were removed (splices keep the order of what stays).
    while (j < prev.objects.length && prev.objects[j] !== item) del.push(prev.ids[j++] as number);
    let id: number;
    if (j < prev.objects.length) {
      id = prev.ids[j] as number;
      const snap = prev.snaps[j] as CopyLink;
      j++;
      if (typeof item === 'object' && item !== null && unchanged(item as CopyLink, snap)) {
        objects[i] = item;
        ids[i] = id;
        snaps[i] = snap;
        continue;
      }
    } else {
      id = nextId++;
    }
    const copy = checkedCopy(item, i, issues);
    if (copy === undefined) continue;
    objects[i] = item;
    ids[i] = id;
    snaps[i] = copy;
    put.push([id, copy]);
  }
  while (j < prev.objects.length) del.push(prev.ids[j++] as number);
  if (issues.length > before) return null;
  return { put, del, next: { objects, ids, snaps }, nextId };
}
