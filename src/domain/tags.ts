/**
 * Deterministic ids (design.md §5.6): the comment tag every follower order carries, and Idempotency-Keys. All are
 * pure functions of their inputs, so the master → follower mapping can be rebuilt from the broker alone and a replay
 * after a crash sends the same key.
 */
import type { OpenedOrder } from './trading.js';

const COMMENT_PREFIX = 'fxm';
/** MetaTrader truncates comments around 31 characters (fxsocket-api.md §8). */
export const MAX_COMMENT_LENGTH = 31;
/** FxSocket's `Idempotency-Key` limit (fxsocket-api.md §2.4). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

const encoder = new TextEncoder();

/** FNV-1a 32-bit of the UTF-8 bytes of `s`, as an unsigned integer. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

function fnv1a64(s: string, offset: bigint): bigint {
  let h = offset;
  for (const byte of encoder.encode(s)) {
    h ^= BigInt(byte);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

// A process sees a handful of masters; their short ids are recomputed on every follower leg without this.
const shortIds = new Map<string, string>();

/** Stable 7-character base36 id of a master account (FNV-1a 32, zero-padded). */
export function masterShortId(masterId: string): string {
  let short = shortIds.get(masterId);
  if (short === undefined) {
    short = fnv1a32(masterId).toString(36).padStart(7, '0');
    if (shortIds.size >= 1024) shortIds.clear();
    shortIds.set(masterId, short);
  }
  return short;
}

function checkChars(short: string, ticket36: string): string {
  return (fnv1a32(`${short}:${ticket36}`) % 1296).toString(36).padStart(2, '0');
}

/**
 * The comment tag of a follower order copying `masterTicket` of `masterId`: `fxm:<short>:<ticket36>:<check>`, at most
 * 26 characters. The two check characters make a truncated or mangled tag unreadable instead of wrong.
 */
export function copyComment(masterId: string, masterTicket: number): string {
  if (!Number.isSafeInteger(masterTicket) || masterTicket < 0) {
    throw new RangeError(`masterTicket must be a non-negative safe integer, got ${masterTicket}`);
  }
  // One master event plans the same tag for every follower: keep the last one.
  if (lastComment.masterId === masterId && lastComment.ticket === masterTicket) return lastComment.value;
  const short = masterShortId(masterId);
  const ticket36 = masterTicket.toString(36);
  const value = `${COMMENT_PREFIX}:${short}:${ticket36}:${checkChars(short, ticket36)}`;
  lastComment = { masterId, ticket: masterTicket, value };
  return value;
}

let lastComment = { masterId: '', ticket: -1, value: '' };

/** What a copy tag says. */
export interface CopyTag {
  masterShort: string;
  masterTicket: number;
}

const TAG_RE = /(?:^|[^0-9a-z])fxm:([0-9a-z]{7}):([0-9a-z]{1,11}):([0-9a-z]{2})(?![0-9a-z])/;

/**
 * Reads a copy tag from a comment, or `null`. Strict about the tag itself (check characters must agree) but tolerant
 * of text a broker adds around it (`[sl]`, a prefix). Never throws.
 */
export function parseCopyComment(comment: string): CopyTag | null {
  if (typeof comment !== 'string') return null;
  const m = TAG_RE.exec(comment);
  if (m === null) return null;
  const [, short, ticket36, check] = m;
  if (short === undefined || ticket36 === undefined || check === undefined) return null;
  if (checkChars(short, ticket36) !== check) return null;
  const ticket = parseInt(ticket36, 36);
  if (!Number.isSafeInteger(ticket)) return null;
  return { masterShort: short, masterTicket: ticket };
}

/** True for a follower order the copier placed: the magic number AND a valid tag (never the comment alone). */
export function isCopyOrder(order: Pick<OpenedOrder, 'magic' | 'comment'>, magic: number): boolean {
  return order.magic === magic && parseCopyComment(order.comment) !== null;
}

/** True for a copy of a position or order of `masterId` (magic and tag). */
export function isCopyOf(order: Pick<OpenedOrder, 'magic' | 'comment'>, magic: number, masterId: string): boolean {
  if (order.magic !== magic) return false;
  return parseCopyComment(order.comment)?.masterShort === masterShortId(masterId);
}

const SAFE_PART = /^[A-Za-z0-9._#@+=-]*$/;
const SAFE_EVENT = /^[A-Za-z0-9._#@+=:-]*$/;

/**
 * The `Idempotency-Key` of one batch: `fxm:<masterId>:<scope>:<eventId>` when that is short and unambiguous,
 * otherwise `fxmh:<short>:<kind>:<128-bit digest>`, where `kind` is the event id's leading word (`fix`, `rec`, `stops`…;
 * `x` when it has none), so a hashed key still says what sent it. Always 1–128 printable ASCII characters, a pure
 * function of its inputs.
 *
 * `scope` separates batches of one master event (e.g. `open`, `close`, `modify`, `reconcile:<runId>`).
 */
export function idempotencyKey(masterId: string, eventId: string, scope: string): string {
  const readable = `${COMMENT_PREFIX}:${masterId}:${scope}:${eventId}`;
  // ':' is the separator, so it may appear only in the last part; anything else unusual goes through the digest.
  if (
    readable.length <= MAX_IDEMPOTENCY_KEY_LENGTH &&
    masterId.length > 0 &&
    SAFE_PART.test(masterId) &&
    SAFE_PART.test(scope) &&
    SAFE_EVENT.test(eventId)
  ) {
    return readable;
  }
  const raw = `${masterId.length}:${masterId}|${scope.length}:${scope}|${eventId}`;
  const a = fnv1a64(raw, 0xcbf29ce484222325n).toString(16).padStart(16, '0');
  const b = fnv1a64(`${raw}#`, 0x84222325cbf29ce4n).toString(16).padStart(16, '0');
  const kind = /^([a-z]{1,12}):/.exec(eventId)?.[1] ?? 'x';
  return `fxmh:${masterShortId(masterId)}:${kind}:${a}${b}`;
}
