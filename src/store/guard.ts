/**
 * The check every write passes, so the store never writes a file its next start would refuse, fused with the
 * serialisation of `state.json` so that both cost what changed rather than what the document holds.
 *
 * Validating and serialising the whole document on every write costs milliseconds once it is large (a thousand open
 * links, thousands of processed events), too much for writes that run every few milliseconds beside the copy path.
 * The document is therefore encoded item by item:
 *
 * - Items that may change in place (masters, followers, users, links, pending legs, daily marks, master history) are
 *   serialised every time (the text is needed anyway), but validated only when their JSON differs from the JSON they
 *   had when they last passed, remembered per object. What is written is exactly what was validated, or byte for
 *   byte the JSON of an object that passed before.
 * - The processed lists are append-only records trimmed from the front: each list keeps the JSON of its entries, and
 *   only entries added since the last encode are validated and serialised. An entry changed in place after it was
 *   written is not looked at again (the lists are records, not state).
 * - The journal is not part of `state.json` (see `journal-file.ts`).
 *
 * The text is assembled from those pieces in the schema's key order and decodes to the same document as
 * `JSON.stringify` of it would.
 */
import { z } from 'zod';
import { invalidWriteError } from './codec.js';
import {
  chatUserSchema,
  copyLinkSchema,
  dailyMarkSchema,
  followerConfigSchema,
  masterConfigSchema,
  masterOpenSchema,
  pendingLegSchema,
  processedEventSchema,
  STATE_KEYS,
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

/** Validates and serialises objects that may change in place, remembering the JSON each had when it last passed. */
class ItemEncoder {
  private passed = new WeakMap<object, string>();

  constructor(private readonly schema: z.ZodType) {}

  /** The item's JSON; pushes its issues (at `path`, then `index` if given) when it does not validate. */
  encode(item: unknown, path: PropertyKey[], issues: Issue[], index?: number): string {
    const json = JSON.stringify(item) ?? 'null';
    const isObject = typeof item === 'object' && item !== null;
    if (isObject && this.passed.get(item) === json) return json;
    const result = this.schema.safeParse(item);
    if (!result.success) {
      const at = index === undefined ? path : [...path, index];
      for (const issue of result.error.issues) issues.push({ ...issue, path: [...at, ...issue.path] });
    } else if (isObject) {
      this.passed.set(item, json);
    }
    return json;
  }

  list(list: unknown[], path: PropertyKey[], issues: Issue[]): string {
    const parts = new Array<string>(list.length);
    for (let i = 0; i < list.length; i++) parts[i] = this.encode(list[i], path, issues, i);
    return `[${parts.join(',')}]`;
  }
}

/** The JSON of an append-only list's entries, for the entries it held at the last encode (same objects, same order). */
interface RecordListCache {
  items: unknown[];
  parts: string[];
}

/** Validates and serialises append-only lists (trimmed from the front) by what was added since the last encode. */
class RecordListEncoder {
  private caches = new Map<string, RecordListCache>();
  private seen = new Set<string>();

  constructor(private readonly schema: z.ZodType) {}

  /** Call before encoding a document's lists; {@link RecordListEncoder.end} then forgets lists no longer present. */
  begin(): void {
    this.seen.clear();
  }

  end(): void {
    for (const key of this.caches.keys()) if (!this.seen.has(key)) this.caches.delete(key);
  }

  encode(key: string, list: unknown[], path: PropertyKey[], issues: Issue[]): string {
    this.seen.add(key);
    const cache = this.caches.get(key);
    const kept = cache === undefined ? 0 : keptPrefix(cache.items, list);
    const parts = kept === 0 ? [] : (cache as RecordListCache).parts.slice(-kept);
    const before = issues.length;
    for (let i = kept; i < list.length; i++) {
      const item = list[i];
      const result = this.schema.safeParse(item);
      if (!result.success) {
        for (const issue of result.error.issues) issues.push({ ...issue, path: [...path, i, ...issue.path] });
      }
      parts.push(JSON.stringify(item) ?? 'null');
    }
    if (issues.length === before) this.caches.set(key, { items: list.slice(), parts });
    return `[${parts.join(',')}]`;
  }
}

/**
 * How many leading entries of `list` are the trailing entries of `previous` (same objects, same order): the part a
 * list trimmed from the front and appended to still shares with its last encoded version. 0 when anything else
 * happened to it (the list is then encoded whole).
 */
function keptPrefix(previous: unknown[], list: unknown[]): number {
  if (previous.length === 0) return 0;
  const kept = list.lastIndexOf(previous[previous.length - 1]) + 1;
  if (kept === 0 || kept > previous.length) return 0;
  const offset = previous.length - kept;
  for (let i = 0; i < kept; i++) if (list[i] !== previous[offset + i]) return 0;
  return kept;
}

/**
 * Validates the document before a write and produces the `state.json` text. Remembers what passed, so the next
 * call costs what changed since.
 */
export class StateEncoder {
  private readonly masters = new ItemEncoder(masterConfigSchema);
  private readonly followers = new ItemEncoder(followerConfigSchema);
  private readonly users = new ItemEncoder(chatUserSchema);
  private readonly links = new ItemEncoder(copyLinkSchema);
  private readonly pending = new ItemEncoder(pendingLegSchema);
  private readonly daily = new ItemEncoder(dailyMarkSchema);
  private readonly masterHistory = new ItemEncoder(masterOpenSchema);
  private readonly processed = new RecordListEncoder(processedEventSchema);

  /**
   * The `state.json` text of `state` (its journal left out). Problems are pushed onto `issues` (paths from the
   * document's root); the text is only meant to be written when none were found.
   */
  collect(state: State, issues: Issue[]): string {
    const top = topLevelSchema.safeParse(state);
    if (!top.success) {
      issues.push(...top.error.issues);
      return '';
    }
    const s = state as unknown as Record<(typeof STATE_KEYS)[number], unknown>;
    const fields: string[] = [];
    for (const key of STATE_KEYS) {
      if (key === 'journal') continue;
      fields.push(`${JSON.stringify(key)}:${this.field(key, s[key], issues)}`);
    }
    return `{${fields.join(',')}}`;
  }

  /**
   * Validates what changed and returns the `state.json` text.
   *
   * @throws FatalError `state_invalid_write` naming the failing paths
   */
  encode(state: State): string {
    const issues: Issue[] = [];
    const text = this.collect(state, issues);
    if (issues.length > 0) throw invalidWriteError(issues);
    return text;
  }

  private field(key: Exclude<(typeof STATE_KEYS)[number], 'journal'>, value: unknown, issues: Issue[]): string {
    switch (key) {
      case 'version':
      case 'instanceId':
        return JSON.stringify(value);
      case 'masters':
      case 'followers':
      case 'users':
      case 'links':
      case 'pending':
        return this[key].list(value as unknown[], [key], issues);
      case 'daily':
        return record(value as Record<string, unknown>, (k, v) => this.daily.encode(v, [key, k], issues));
      case 'masterHistory':
        return record(value as Record<string, unknown>, (k, v) =>
          Array.isArray(v) ? this.masterHistory.list(v, [key, k], issues) : notAnArray(v, [key, k], issues),
        );
      case 'processed': {
        this.processed.begin();
        const text = record(value as Record<string, unknown>, (k, v) =>
          Array.isArray(v) ? this.processed.encode(k, v, [key, k], issues) : notAnArray(v, [key, k], issues),
        );
        this.processed.end();
        return text;
      }
    }
  }
}

function record(value: Record<string, unknown>, encode: (key: string, item: unknown) => string): string {
  const fields: string[] = [];
  for (const [k, v] of Object.entries(value)) fields.push(`${JSON.stringify(k)}:${encode(k, v)}`);
  return `{${fields.join(',')}}`;
}

function notAnArray(value: unknown, path: PropertyKey[], issues: Issue[]): string {
  const result = anyArray.safeParse(value);
  if (!result.success) for (const issue of result.error.issues) issues.push({ ...issue, path: [...path, ...issue.path] });
  return 'null';
}
