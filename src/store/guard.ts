/**
 * The check every write passes, so the store never writes a file its next start would refuse, and the
 * serialisation of `state.json` (the links are validated and written by `links-file.ts`).
 *
 * Validating the whole document on every write costs milliseconds once it is large (a thousand open links,
 * thousands of processed events), too much for writes that run every few milliseconds beside the copy path, so the
 * check follows what changed:
 *
 * - Flat items that change in place (masters, daily marks, master history: primitives only) are validated
 *   when they are new or differ from the snapshot of their fields taken when they last passed; one snapshot per
 *   object. Items with nested values (followers, users, pending legs) are validated when they differ, deeply, from
 *   a copy of their data taken when they last passed.
 * - The processed lists are append-only records trimmed from the front: only entries added since the last check
 *   are validated. An entry changed in place after it was checked is not looked at again (records, not state).
 * - The journal and the links are not part of `state.json` (see `journal-file.ts` and `links-file.ts`, which validate
 *   what they write).
 *
 * The text is one native `JSON.stringify` of the rest, which is the floor of rewriting the file: assembling it from
 * cached per-item JSON was measured slower (copying the pieces costs as much as producing them).
 */
import { z } from 'zod';
import { invalidWriteError } from './codec.js';
import {
  chatUserSchema,
  dailyMarkSchema,
  followerConfigSchema,
  masterConfigSchema,
  masterOpenSchema,
  pendingLegSchema,
  processedEventSchema,
  stateSchema,
  type State,
} from './schema.js';

type Issue = z.core.$ZodIssue;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const anyArray = z.custom<unknown[]>((v) => Array.isArray(v), 'Invalid input: expected array');
const anyRecord = z.custom<Record<string, unknown>>(isRecord, 'Invalid input: expected record');

/** The document's shape without looking inside its lists: required keys, no unknown ones, scalars checked. */
const topLevelSchema = z.strictObject({
  version: stateSchema.shape.version,
  instanceId: stateSchema.shape.instanceId,
  masters: anyArray,
  followers: anyArray,
  users: anyArray,
  links: anyArray,
  processed: anyRecord,
  pending: anyArray,
  journal: anyArray,
  daily: anyRecord,
  masterHistory: anyRecord,
});

function pushIssues(issues: Issue[], found: readonly Issue[], path: readonly PropertyKey[]): void {
  for (const issue of found) issues.push({ ...issue, path: [...path, ...issue.path] });
}

/**
 * Validates objects with nested values that may change anywhere (followers, users, pending legs): an object equal,
 * value for value, to a deep copy taken when it last passed is not validated again. Comparing is several times
 * cheaper than serialising (a thousand followers' settings on every write), and validating is dearer still.
 */
class DeepChecker {
  private passed = new WeakMap<object, unknown>();

  constructor(private readonly schema: z.ZodType) {}

  /** Validates `item` unless it holds the data it had when it last passed; true when it was that (unchanged). */
  check(item: unknown, path: readonly PropertyKey[], issues: Issue[]): boolean {
    const isObject = typeof item === 'object' && item !== null;
    if (isObject && this.passed.has(item) && sameData(item, this.passed.get(item))) return true;
    const result = this.schema.safeParse(item);
    if (!result.success) pushIssues(issues, result.error.issues, path);
    else if (isObject) this.passed.set(item, copyData(item));
    return false;
  }
}

/**
 * The JSON of the followers list, kept while no follower changed: with a thousand followers it is most of
 * `state.json`, and settings change on a command, not on a copy, so most writes reuse it.
 */
interface ListJson {
  items: readonly unknown[];
  json: string;
}

/**
 * A deep copy of JSON-shaped data (arrays, plain objects, primitives; objects copied without a prototype, for
 * `sameData` only); anything else is kept by reference.
 */
export function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    // No prototype: a key named `__proto__` (JSON.parse makes it an own key) stays a key instead of a prototype.
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = copyData((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** Whether `value` holds the same data as `copy` (from `copyData`): same keys, same primitives, deeply. */
export function sameData(value: unknown, copy: unknown): boolean {
  if (value === copy) return typeof value !== 'object' || value === null;
  if (Array.isArray(value)) {
    if (!Array.isArray(copy) || copy.length !== value.length) return false;
    for (let i = 0; i < value.length; i++) if (!sameData(value[i], copy[i])) return false;
    return true;
  }
  if (typeof value !== 'object' || value === null || typeof copy !== 'object' || copy === null || Array.isArray(copy)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const a = value as Record<string, unknown>;
  const b = copy as Record<string, unknown>;
  let keys = 0;
  for (const key in a) {
    if (!Object.hasOwn(a, key) || !Object.hasOwn(b, key) || !sameData(a[key], b[key])) return false;
    keys++;
  }
  // The copy is a plain object made by copyData: every key it enumerates is its own.
  for (const _key in b) keys--;
  return keys === 0;
}

/** A flat object's own enumerable keys and values, in order. */
interface Snapshot {
  keys: string[];
  values: unknown[];
}

/**
 * Validates flat objects (all fields primitives) that may change in place: an object whose fields are the same
 * primitives as when it last passed is not validated again.
 */
class FlatChecker {
  private passed = new WeakMap<object, Snapshot>();

  constructor(private readonly schema: z.ZodType) {}

  check(item: unknown, path: readonly PropertyKey[], issues: Issue[]): void {
    const isObject = typeof item === 'object' && item !== null;
    if (isObject) {
      const snapshot = this.passed.get(item);
      if (snapshot !== undefined && unchanged(item as Record<string, unknown>, snapshot)) return;
    }
    const result = this.schema.safeParse(item);
    if (!result.success) pushIssues(issues, result.error.issues, path);
    // Only objects made of primitives are remembered: an object value could change inside without this seeing it
    // (it would fail the flat schemas anyway).
    else if (isObject) this.passed.set(item, takeSnapshot(item as Record<string, unknown>));
  }
}

function takeSnapshot(item: Record<string, unknown>): Snapshot {
  const keys: string[] = [];
  const values: unknown[] = [];
  for (const key in item) {
    keys.push(key);
    values.push(item[key]);
  }
  return { keys, values };
}

function unchanged(item: Record<string, unknown>, snapshot: Snapshot): boolean {
  let i = 0;
  for (const key in item) {
    if (key !== snapshot.keys[i] || item[key] !== snapshot.values[i]) return false;
    i++;
  }
  return i === snapshot.keys.length;
}

/**
 * Validates append-only lists (trimmed from the front) by what was added since the last check: the entries after
 * the last one checked, found by identity (all of them if it is gone, e.g. the list was replaced).
 */
class RecordListChecker {
  private marks = new Map<string, unknown>();

  constructor(private readonly schema: z.ZodType) {}

  check(record: Record<string, unknown>, path: PropertyKey, issues: Issue[]): void {
    const marks = new Map<string, unknown>();
    for (const [key, list] of Object.entries(record)) {
      if (!Array.isArray(list)) {
        pushIssues(issues, anyArray.safeParse(list).error?.issues ?? [], [path, key]);
        continue;
      }
      const before = issues.length;
      const mark = this.marks.get(key);
      const start = mark === undefined ? 0 : list.lastIndexOf(mark) + 1;
      for (let i = start; i < list.length; i++) {
        const result = this.schema.safeParse(list[i]);
        if (!result.success) pushIssues(issues, result.error.issues, [path, key, i]);
      }
      // Nothing is remembered for a list with a bad entry: it is checked again from the same point.
      if (issues.length > before) marks.set(key, mark);
      else if (list.length > 0) marks.set(key, list[list.length - 1]);
    }
    this.marks = marks;
  }
}

/**
 * Validates the document before a write and produces the `state.json` text. Remembers what passed, so the next
 * call validates what changed since; the serialisation is one native `JSON.stringify` of the document without its
 * journal.
 */
export class StateEncoder {
  private readonly masters = new FlatChecker(masterConfigSchema);
  private readonly daily = new FlatChecker(dailyMarkSchema);
  private readonly masterHistory = new FlatChecker(masterOpenSchema);
  private readonly followers = new DeepChecker(followerConfigSchema);
  private readonly users = new DeepChecker(chatUserSchema);
  private readonly pending = new DeepChecker(pendingLegSchema);
  private readonly processed = new RecordListChecker(processedEventSchema);
  private followersJson: ListJson | null = null;

  /**
   * The `state.json` text of `state` (its journal and links left out, `linksSeq` recorded). Problems are pushed onto
   * `issues` (paths from the document's root); the text is only meant to be written when none were found.
   */
  collect(state: State, issues: Issue[], linksSeq = 0): string {
    const top = topLevelSchema.safeParse(state);
    if (!top.success) {
      issues.push(...top.error.issues);
      return '';
    }
    const { journal: _journal, links: _links, processed, followers, ...rest } = state;
    for (const key of ['masters', 'users', 'pending'] as const) {
      const list: unknown[] = rest[key];
      const checker = this[key];
      for (let i = 0; i < list.length; i++) checker.check(list[i], [key, i], issues);
    }
    let followersUnchanged = this.followersJson !== null && this.followersJson.items.length === followers.length;
    for (let i = 0; i < followers.length; i++) {
      const unchanged = this.followers.check(followers[i], ['followers', i], issues);
      followersUnchanged &&= unchanged && this.followersJson?.items[i] === followers[i];
    }
    for (const [id, mark] of Object.entries(rest.daily)) this.daily.check(mark, ['daily', id], issues);
    for (const [id, list] of Object.entries(rest.masterHistory as Record<string, unknown>)) {
      if (!Array.isArray(list)) {
        pushIssues(issues, anyArray.safeParse(list).error?.issues ?? [], ['masterHistory', id]);
        continue;
      }
      for (let i = 0; i < list.length; i++) this.masterHistory.check(list[i], ['masterHistory', id, i], issues);
    }
    this.processed.check(processed, 'processed', issues);
    if (!followersUnchanged) this.followersJson = issues.length === 0 ? { items: [...followers], json: JSON.stringify(followers) } : null;
    const followersJson = this.followersJson?.json ?? JSON.stringify(followers);
    // One native serialisation of the rest (faster than assembling cached pieces, whose copying costs as much as
    // producing them), with the followers' JSON, unchanged on most writes, appended as one piece.
    const text = JSON.stringify({ ...rest, linksSeq, processed });
    return `${text.slice(0, -1)},"followers":${followersJson}}`;
  }

  /**
   * Validates what changed and returns the `state.json` text.
   *
   * @throws FatalError `state_invalid_write` naming the failing paths
   */
  encode(state: State, linksSeq = 0): string {
    const issues: Issue[] = [];
    const text = this.collect(state, issues, linksSeq);
    if (issues.length > 0) throw invalidWriteError(issues);
    return text;
  }
}
