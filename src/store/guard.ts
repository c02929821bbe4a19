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
 *   object. Items with nested values (followers, users, pending legs) are validated when their JSON differs from
 *   the JSON they had when they last passed.
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
 * Validates objects with nested values that may change anywhere (followers, users, pending legs): an object whose
 * JSON is the JSON it had when it last passed is not validated again (serialising is several times cheaper than
 * validating, and the JSON is what gets written).
 */
class JsonChecker {
  private passed = new WeakMap<object, string>();

  constructor(private readonly schema: z.ZodType) {}

  check(item: unknown, path: readonly PropertyKey[], issues: Issue[]): void {
    const isObject = typeof item === 'object' && item !== null;
    const json = isObject ? JSON.stringify(item) : undefined;
    if (isObject && this.passed.get(item) === json) return;
    const result = this.schema.safeParse(item);
    if (!result.success) pushIssues(issues, result.error.issues, path);
    else if (isObject && json !== undefined) this.passed.set(item, json);
  }
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
  private readonly followers = new JsonChecker(followerConfigSchema);
  private readonly users = new JsonChecker(chatUserSchema);
  private readonly pending = new JsonChecker(pendingLegSchema);
  private readonly processed = new RecordListChecker(processedEventSchema);

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
    const { journal: _journal, links: _links, processed, ...rest } = state;
    for (const key of ['masters', 'followers', 'users', 'pending'] as const) {
      const list: unknown[] = rest[key];
      const checker = this[key];
      for (let i = 0; i < list.length; i++) checker.check(list[i], [key, i], issues);
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
    // One native serialisation: faster than assembling cached pieces, whose copying costs as much as producing them.
    return JSON.stringify({ ...rest, linksSeq, processed });
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
