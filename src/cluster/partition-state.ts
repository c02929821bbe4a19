/**
 * A partition's durable engine state in Redis (the `StatePort` of its engine): the ticket map, processed events,
 * pending legs, journal, daily marks and master history. Every write is one fenced Lua script: it lands only while
 * the writer still holds the partition's lease, so a worker that lost its partition can never overwrite the new
 * owner's state, and it lands whole or not at all. Writes are coalesced (`changed`) off the copy path; `flush` writes
 * now.
 *
 * Layout (version 2), every key under the partition's base key `B` (`fxm:state:{p:N}`, one hash slot):
 *
 * - `B:meta` (hash): `version`, `partition`, `linksNextId`, `doc` (pending legs and daily marks, JSON), `history`
 *   (master history, JSON), `processedMasters` (JSON list), `journalSeq` (rows ever pushed to the journal) and
 *   `journalEpoch` (bumped when the journal list is replaced), which let the control process read only new rows.
 * - `B:links` (hash): slot id → link JSON. A write puts the links added or changed since the last one and deletes
 *   the removed slots (`link-slots.ts`).
 * - `B:journal` and `B:processed:<masterId>` (lists): the rows added since the last write are pushed, and the list is
 *   trimmed to the length of the array in memory (`list-tail.ts`).
 *
 * So a write carries what changed, not the whole state: at a thousand followers the version 1 document (everything
 * as one JSON string, ten thousand journal rows included) was rewritten on every event and was most of a worker's CPU.
 * A write whose outcome is unknown (Redis did not answer) gives the partition's lease up: this writer makes no further
 * write, and the next owner reads whatever landed, whole. A write that finds Redis without the previous one (an AOF
 * that missed the last second; `writeSeq`) replaces every part, so nothing is appended to a list it cannot trust. A
 * version 1 document (`B` as a string) is read once and replaced by the layout.
 *
 * The configuration part (`masters`, `followers`) is not stored here: it is the control process's document, kept in
 * the live `data` by the worker's config sync.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { EngineState, StatePort } from '../engine/ports.js';
import { copyLinkSchema, dailyMarkSchema, journalEntrySchema, masterOpenSchema, pendingLegSchema, processedEventSchema } from '../store/schema.js';
import { isPlainJournalEntry } from '../store/journal-file.js';
import { diffLinkSlots, emptyLinkSlots, fastLinkCopy, loadedLinkSlots, type LinkSlots } from '../store/link-slots.js';
import { FatalError } from '../domain/errors.js';
import type { Lease } from './lease.js';
import { FENCE_CHECK } from './lease.js';
import { ListTail, type ListTake } from './list-tail.js';

export const PARTITION_STATE_VERSION = 2;

/** The stored part of a partition's engine state. */
export type PartitionStateData = Omit<EngineState, 'masters' | 'followers'>;

/** The Redis keys of one partition's state, from its base key. */
export function partitionStateKeys(base: string): { legacy: string; meta: string; links: string; journal: string; processed(masterId: string): string } {
  return { legacy: base, meta: `${base}:meta`, links: `${base}:links`, journal: `${base}:journal`, processed: (m) => `${base}:processed:${m}` };
}

const legacyDocumentSchema = z.strictObject({
  version: z.literal(1),
  partition: z.int().min(0),
  links: z.array(copyLinkSchema),
  processed: z.record(z.string(), z.array(processedEventSchema)),
  pending: z.array(pendingLegSchema),
  journal: z.array(journalEntrySchema),
  daily: z.record(z.string(), dailyMarkSchema),
  masterHistory: z.record(z.string(), z.array(masterOpenSchema)),
});
const docSchema = z.strictObject({ pending: z.array(pendingLegSchema), daily: z.record(z.string(), dailyMarkSchema) });
const historySchema = z.record(z.string(), z.array(masterOpenSchema));
const mastersSchema = z.array(z.string().min(1));

// KEYS[1] lease, KEYS[2] meta, KEYS[3] links, KEYS[4] journal, KEYS[5] legacy document, KEYS[6..] processed lists.
// ARGV[1] fence, ARGV[2] '1' to replace every part, ARGV[3] the writeSeq this write follows (checked unless replacing:
// -2 when Redis holds another, e.g. after it restarted from an AOF missing the last second), ARGV[4] its own; then:
// meta pairs (count, field, value…), link puts (count, id,
// json…), link deletes (count, id…), then per list key (journal, then each processed list): mode (0 push, 1 replace,
// 2 delete), and unless deleted: row count, rows…, length to keep.
const WRITE = `${FENCE_CHECK}
if ARGV[2] ~= '1' and (redis.call('HGET', KEYS[2], 'writeSeq') or '') ~= ARGV[3] then return -2 end
redis.call('HSET', KEYS[2], 'writeSeq', ARGV[4])
local a = 5
local function num() local v = tonumber(ARGV[a]); a = a + 1; return v end
local function each(key, cmd, c, width)
  local i = 0
  while i < c do
    local k = math.min(200, c - i)
    redis.call(cmd, key, unpack(ARGV, a + i * width, a + (i + k) * width - 1))
    i = i + k
  end
  a = a + c * width
end
if ARGV[2] == '1' then redis.call('DEL', KEYS[3], KEYS[5]) end
each(KEYS[2], 'HSET', num(), 2)
each(KEYS[3], 'HSET', num(), 2)
each(KEYS[3], 'HDEL', num(), 1)
for k = 4, #KEYS do
  if k ~= 5 then
    local mode = num()
    if mode ~= 0 then redis.call('DEL', KEYS[k]) end
    if mode ~= 2 then
      local c = num()
      each(KEYS[k], 'RPUSH', c, 1)
      local keep = num()
      if keep == 0 then redis.call('DEL', KEYS[k]) else redis.call('LTRIM', KEYS[k], -keep, -1) end
      if k == 4 then
        redis.call('HINCRBY', KEYS[2], 'journalSeq', c)
        if mode == 1 then redis.call('HINCRBY', KEYS[2], 'journalEpoch', 1) end
      end
    end
  end
end
return 1`;

/** What was read for a partition: its state, and how it is laid out in Redis (for the next incremental write). */
export interface StoredPartitionState {
  state: PartitionStateData;
  /** Slot ids of `state.links`, in the same order. */
  linkIds: number[];
  nextLinkId: number;
  /** The seq of the write that stored it (`''` for none): the next write must follow it. */
  writeSeq: string;
  /** Read from a version 1 document: the first write replaces it with the layout. */
  legacy: boolean;
}

function invalid(partition: number, where: string, problem: string): FatalError {
  return new FatalError('partition_state_invalid', `Partition ${partition}'s state in Redis (${where}) is not valid: ${problem}`, { context: { partition, where } });
}

function parseJson(partition: number, where: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FatalError('partition_state_corrupt', `Partition ${partition}'s state in Redis (${where}) is not valid JSON: ${(error as Error).message}`, { cause: error, context: { partition, where } });
  }
}

function checked<T>(schema: z.ZodType<T>, partition: number, where: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(partition, where, result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return result.data;
}

function journalRow(partition: number, where: string, text: string): EngineState['journal'][number] {
  const value = parseJson(partition, where, text);
  return isPlainJournalEntry(value) ? (value as EngineState['journal'][number]) : checked(journalEntrySchema, partition, where, value);
}

// KEYS[1] meta, KEYS[2] links, KEYS[3] journal; ARGV[1] the processed lists' key prefix. Returns {0} when there is no
// layout, else {1, meta, links, journal, processed list of each master in meta's processedMasters, in its order}.
const READ_ALL = `
local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return {0} end
local out = {1, meta, redis.call('HGETALL', KEYS[2]), redis.call('LRANGE', KEYS[3], 0, -1)}
local listed = redis.call('HGET', KEYS[1], 'processedMasters')
if listed then
  local ok, masters = pcall(cjson.decode, listed)
  if ok and type(masters) == 'table' then
    for _, m in ipairs(masters) do
      if type(m) == 'string' then table.insert(out, redis.call('LRANGE', ARGV[1] .. m, 0, -1)) end
    end
  end
end
return out`;

function pairsOf(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

function emptyState(): PartitionStateData {
  return { links: [], processed: {}, pending: [], journal: [], daily: {}, masterHistory: {} };
}

/** Reads a partition's state (empty when it never had one). State that fails validation stops the partition. */
export async function readPartitionState(redis: Redis, base: string, partition: number): Promise<StoredPartitionState> {
  const k = partitionStateKeys(base);
  // One script, so the parts are of one write even while the owner keeps writing (the control process, a checker).
  const reply = (await redis.eval(READ_ALL, 3, k.meta, k.links, k.journal, k.processed(''))) as [0] | [1, string[], string[], string[], ...string[][]];
  if (reply[0] === 0) {
    const text = await redis.get(k.legacy);
    if (text === null) return { state: emptyState(), linkIds: [], nextLinkId: 1, writeSeq: '', legacy: false };
    const { version: _v, partition: _p, ...state } = checked(legacyDocumentSchema, partition, k.legacy, parseJson(partition, k.legacy, text));
    return { state: state as PartitionStateData, linkIds: [], nextLinkId: 1, writeSeq: '', legacy: true };
  }
  const meta = pairsOf(reply[1]);
  if (meta.version !== String(PARTITION_STATE_VERSION)) {
    throw new FatalError(
      'partition_state_invalid',
      `Partition ${partition}'s state in Redis (${k.meta}) has version ${meta.version ?? '(none)'}; this build reads version ${PARTITION_STATE_VERSION}. Run the fxmirror version that wrote it.`,
      { context: { partition, version: meta.version } },
    );
  }
  const masters = checked(mastersSchema, partition, `${k.meta} processedMasters`, parseJson(partition, `${k.meta} processedMasters`, meta.processedMasters ?? '[]'));
  const doc = checked(docSchema, partition, `${k.meta} doc`, parseJson(partition, `${k.meta} doc`, meta.doc ?? '{"pending":[],"daily":{}}'));
  const history = checked(historySchema, partition, `${k.meta} history`, parseJson(partition, `${k.meta} history`, meta.history ?? '{}'));
  const nextLinkId = Number(meta.linksNextId ?? '1');
  if (!Number.isSafeInteger(nextLinkId) || nextLinkId < 1) throw invalid(partition, `${k.meta} linksNextId`, `${meta.linksNextId} is not a slot id`);

  const linkFields = pairsOf(reply[2]);
  const journalTexts = reply[3];
  const slots = Object.entries(linkFields)
    .map(([id, text]) => {
      const where = `${k.links} field ${id}`;
      const slot = Number(id);
      if (!Number.isSafeInteger(slot) || slot < 1 || slot >= nextLinkId) throw invalid(partition, where, `${id} is not a slot id below linksNextId ${nextLinkId}`);
      const value = parseJson(partition, where, text);
      return { slot, link: fastLinkCopy(value) ?? checked(copyLinkSchema, partition, where, value) };
    })
    .sort((a, b) => a.slot - b.slot);
  const journal = journalTexts.map((text, i) => journalRow(partition, `${k.journal} index ${i}`, text));
  const processed: PartitionStateData['processed'] = {};
  masters.forEach((m, j) => {
    const texts = (reply[4 + j] as string[] | undefined) ?? [];
    processed[m] = texts.map((text, i) => checked(processedEventSchema, partition, `${k.processed(m)} index ${i}`, parseJson(partition, `${k.processed(m)} index ${i}`, text)));
  });
  return {
    state: { links: slots.map((s) => s.link), processed, pending: doc.pending, journal, daily: doc.daily, masterHistory: history },
    linkIds: slots.map((s) => s.slot),
    nextLinkId,
    writeSeq: meta.writeSeq ?? '',
    legacy: false,
  };
}

/** Reads a partition's state (empty when it never had one); see {@link readPartitionState}. */
export async function loadPartitionState(redis: Redis, base: string, partition: number): Promise<PartitionStateData> {
  return (await readPartitionState(redis, base, partition)).state;
}

// KEYS[1] meta, KEYS[2] journal; ARGV[1] epoch seen, ARGV[2] seq seen. Returns {exists, epoch, seq, length,
// history, full, rows}: the rows pushed since `seq`, or the whole list (full) when it was replaced or trimmed past them.
const READ_JOURNAL = `
local v = redis.call('HMGET', KEYS[1], 'version', 'journalEpoch', 'journalSeq', 'history')
if not v[1] then return {0} end
local epoch = v[2] or '0'
local seq = tonumber(v[3] or '0')
local len = redis.call('LLEN', KEYS[2])
local new = seq - tonumber(ARGV[2])
if epoch ~= ARGV[1] or new < 0 or new > len then
  return {1, epoch, tostring(seq), len, v[4] or '{}', 1, redis.call('LRANGE', KEYS[2], 0, -1)}
end
if new == 0 then return {1, epoch, tostring(seq), len, v[4] or '{}', 0, {}} end
return {1, epoch, tostring(seq), len, v[4] or '{}', 0, redis.call('LRANGE', KEYS[2], -new, -1)}`;

/** Where a reader of a partition's journal is: the epoch and seq it has read up to. */
export interface JournalCursor {
  epoch: string;
  seq: number;
}

/** What {@link readJournalRows} found. */
export interface JournalRows extends JournalCursor {
  /** The rows since the cursor, or every row when `full`. */
  rows: EngineState['journal'];
  full: boolean;
  /** Rows in the partition's journal now. */
  length: number;
  /** The master history's JSON as stored (compare it to skip parsing), and parsed. */
  historyText: string;
  history: EngineState['masterHistory'];
}

/**
 * The journal rows a partition added since `cursor` (all of them when `cursor` is null, or when the list was replaced
 * or trimmed past it), and its master history. For the control process, which reads every partition every few seconds.
 */
export async function readJournalRows(redis: Redis, base: string, partition: number, cursor: JournalCursor | null): Promise<JournalRows> {
  const k = partitionStateKeys(base);
  const reply = (await redis.eval(READ_JOURNAL, 2, k.meta, k.journal, cursor?.epoch ?? '', cursor?.seq ?? 0)) as [number, string, string, number, string, number, string[]];
  if (reply[0] === 0) {
    // Never written in this layout: empty, or a version 1 document not yet replaced by its owner.
    const { state } = await readPartitionState(redis, base, partition);
    return { epoch: '', seq: 0, rows: state.journal, full: true, length: state.journal.length, historyText: JSON.stringify(state.masterHistory), history: state.masterHistory };
  }
  const [, epoch, seq, length, historyText, full, texts] = reply;
  const rows = texts.map((text, i) => journalRow(partition, `${k.journal} row ${i} read`, text));
  const history = historyText === '{}' ? {} : checked(historySchema, partition, `${k.meta} history`, parseJson(partition, `${k.meta} history`, historyText));
  return { epoch, seq: Number(seq), rows, full: full === 1, length, historyText, history };
}

type Row = EngineState['journal'][number] | EngineState['processed'][string][number];

/** One write, taken synchronously from the live state, adopted once Redis has it. */
interface Write {
  keys: string[];
  args: (string | number)[];
  bytes: number;
  seq: string;
  links: { next: LinkSlots; nextId: number };
  lists: { tail: ListTail<Row>; take: ListTake<Row> }[];
  meta: { doc: string; history: string; masters: string };
  deleted: string[];
}

export class RedisPartitionState implements StatePort {
  readonly data: EngineState;
  private ok = true;
  private readonly errorListeners: ((error: Error) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private readonly keys: ReturnType<typeof partitionStateKeys>;
  private slots: LinkSlots;
  private nextLinkId: number;
  private readonly journalTail: ListTail<Row>;
  /** One per master whose processed list may exist in Redis (written, or in the write being made). */
  private readonly processedTails = new Map<string, ListTail<Row>>();
  private written = { doc: '', history: '', masters: '' };
  /** The seq of the last write adopted (`''`: none), which the next write checks Redis still holds. */
  private writeSeq: string;
  /** Replace every part on the next write: a version 1 document, or Redis found without our last write. */
  private replaceAll: boolean;
  /**
   * Writes done, bytes of the last one, writes refused by the fence, and writes that found Redis without the previous
   * one (so replaced every part), for /status and the benchmark.
   */
  readonly counters = { writes: 0, lastBytes: 0, refused: 0, replaced: 0 };

  /** `stored`: how `data` was read from Redis (omitted: nothing is stored yet, everything in `data` is new). */
  constructor(
    private readonly deps: { redis: Redis; key: string; partition: number; lease: Lease; writeDelayMs: number },
    data: EngineState,
    stored?: Omit<StoredPartitionState, 'state'>,
  ) {
    this.data = data;
    this.keys = partitionStateKeys(deps.key);
    const fromRedis = stored !== undefined && !stored.legacy;
    this.replaceAll = stored?.legacy ?? false;
    this.slots = fromRedis ? loadedLinkSlots(data.links, stored.linkIds) : emptyLinkSlots();
    this.nextLinkId = fromRedis ? stored.nextLinkId : 1;
    this.writeSeq = fromRedis ? stored.writeSeq : '';
    this.journalTail = new ListTail<Row>(fromRedis ? data.journal : []);
    if (fromRedis) {
      for (const [m, rows] of Object.entries(data.processed)) {
        this.processedTails.set(m, new ListTail<Row>(rows));
      }
      this.written = { doc: this.docText(), history: JSON.stringify(data.masterHistory), masters: JSON.stringify(Object.keys(data.processed)) };
    }
  }

  get healthy(): boolean {
    return this.ok;
  }

  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  changed(): void {
    this.dirty = true;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => undefined);
    }, this.deps.writeDelayMs);
    this.timer.unref();
  }

  /** Writes what changed now (after any write in progress). Rejects when the lease is gone or Redis failed. */
  flush(): Promise<void> {
    const next = this.writing.then(() => this.write());
    this.writing = next.catch(() => undefined);
    return next;
  }

  private docText(): string {
    return JSON.stringify({ pending: this.data.pending, daily: this.data.daily });
  }

  /** The changes since the last write, as the script's keys and arguments (synchronous: the state as it is now). */
  private take(): Write {
    const d = this.data;
    const all = this.replaceAll;
    const k = this.keys;
    const issues: z.core.$ZodIssue[] = [];
    const diff = all ? diffLinkSlots(emptyLinkSlots(), 1, d.links, issues) : diffLinkSlots(this.slots, this.nextLinkId, d.links, issues);
    if (diff === null) {
      throw invalid(this.deps.partition, 'links to write', issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    const meta = { doc: this.docText(), history: JSON.stringify(d.masterHistory), masters: JSON.stringify(Object.keys(d.processed)) };
    const pairs: string[] = [];
    // Written every time (a few bytes): the hash then always says what wrote it, even if it held only counters.
    pairs.push('version', String(PARTITION_STATE_VERSION), 'partition', String(this.deps.partition), 'linksNextId', String(diff.nextId));
    if (all || meta.doc !== this.written.doc) pairs.push('doc', meta.doc);
    if (all || meta.history !== this.written.history) pairs.push('history', meta.history);
    if (all || meta.masters !== this.written.masters) pairs.push('processedMasters', meta.masters);

    const seq = String(Number(this.writeSeq || '0') + 1);
    const args: (string | number)[] = [this.deps.lease.fence, all ? '1' : '0', this.writeSeq, seq, pairs.length / 2];
    let bytes = 0;
    const add = (v: string | number): void => {
      args.push(v);
      bytes += typeof v === 'string' ? v.length : 8;
    };
    for (const p of pairs) add(p);
    args.push(diff.put.length);
    for (const [id, link] of diff.put) {
      add(id);
      add(JSON.stringify(link));
    }
    args.push(diff.del.length);
    for (const id of diff.del) add(id);

    const keys = [this.deps.lease.key, k.meta, k.links, k.journal, k.legacy];
    const lists: Write['lists'] = [];
    const pushList = (tail: ListTail<Row>, rows: readonly Row[], mustReplace: boolean): void => {
      if (mustReplace) tail.lost();
      const take = tail.take(rows) ?? { replace: false, rows: [], keep: rows.length, last: rows.at(-1) };
      args.push(take.replace ? 1 : 0, take.rows.length);
      for (const r of take.rows) add(JSON.stringify(r));
      args.push(take.keep);
      lists.push({ tail, take });
    };
    pushList(this.journalTail, d.journal, all);
    const deleted: string[] = [];
    for (const [m, rows] of Object.entries(d.processed)) {
      let tail = this.processedTails.get(m);
      if (tail === undefined) {
        tail = new ListTail<Row>([]);
        this.processedTails.set(m, tail);
      }
      keys.push(k.processed(m));
      pushList(tail, rows, all);
    }
    for (const m of this.processedTails.keys()) {
      if (Object.hasOwn(d.processed, m)) continue;
      keys.push(k.processed(m));
      args.push(2);
      deleted.push(m);
    }
    return { keys, args, bytes, seq, links: { next: diff.next, nextId: diff.nextId }, lists, meta, deleted };
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    // A second attempt only when Redis no longer holds our last write (it restarted from an AOF that missed it): the
    // parts a write leaves out are then not known to be there, so that attempt replaces every part.
    for (let attempt = 1; ; attempt++) {
      let w: Write;
      try {
        w = this.take();
      } catch (error) {
        this.fail(error as Error);
        throw error;
      }
      let result: number;
      try {
        result = Number(await this.deps.redis.eval(WRITE, w.keys.length, ...w.keys, ...w.args));
      } catch (error) {
        const cause = error instanceof Error ? error : new Error(String(error));
        // The write may or may not have landed (one script: all of it or nothing), and whatever was sent since the
        // last write lives only in this process now. Sending more on top of it would widen what a new owner (or this
        // worker, reloading) cannot see, so the partition stops here: the lease is given up locally, the fence
        // refuses every call, no further write is made, and the next owner reads Redis as it is.
        this.deps.lease.lose(`its state could not be saved: ${cause.message}`);
        throw cause;
      }
      if (result === -2 && attempt === 1) {
        this.counters.replaced++;
        this.replaceAll = true;
        continue;
      }
      if (result === -1 || result === -2) {
        this.counters.refused++;
        this.deps.lease.lose('a state write was refused by the fence');
        const error = new FatalError('lease_lost', `Partition ${this.deps.partition}'s lease is held by another worker; its state was not written.`);
        this.fail(error);
        throw error;
      }
      this.slots = w.links.next;
      this.nextLinkId = w.links.nextId;
      for (const { tail, take } of w.lists) tail.adopt(take);
      for (const m of w.deleted) {
        this.processedTails.delete(m);
      }
      this.written = w.meta;
      this.writeSeq = w.seq;
      this.replaceAll = false;
      this.counters.writes++;
      this.counters.lastBytes = w.bytes;
      return;
    }
  }

  private fail(error: Error): void {
    if (!this.ok) return;
    this.ok = false;
    for (const l of this.errorListeners) l(error);
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
