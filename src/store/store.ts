/**
 * The state store: one lowdb document in memory, written durably and coalesced off the hot path, owned by one
 * process. A thin typed layer: it keeps and bounds what the engine records and knows no trading rules.
 *
 * On disk the document is three files: `state.json` (everything but the journal and the links, rewritten atomically
 * on each write), `journal.jsonl` (the copy journal, appended to; see `journal-file.ts`) and `links.jsonl` (the ticket
 * map as a log of changes, appended to; see `links-file.ts`). In memory `data.journal` holds the newest `journalMax`
 * rows and `data.links` every link, so the engine's view is one document as before.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Low } from 'lowdb';
import type { Logger } from 'pino';
import type { FollowerConfig, MasterConfig } from '../domain/config.js';
import { FatalError, FxmirrorError } from '../domain/errors.js';
import type { CopyLink } from '../domain/ledger.js';
import type { StatePort } from '../engine/ports.js';
import type { z } from 'zod';
import { DurableTextFile, StateFileAdapter, type LoadedState } from './adapter.js';
import { DEFAULT_RETENTION, pruneProcessed, pushBounded, type Retention } from './bounds.js';
import { formatIssues, invalidWriteError } from './codec.js';
import { invalidInputError, writeFailedError } from './errors.js';
import { probeWritableDir, removeLeftoverTemps } from './fs.js';
import { StateEncoder } from './guard.js';
import { JOURNAL_FILE, JournalFile } from './journal-file.js';
import { LINKS_FILE, LinksFile } from './links-file.js';
import { acquireLock, type StateLock, type Takeover } from './lock.js';
import {
  chatUserSchema,
  copyLinkSchema,
  createDefaultState,
  dailyMarkSchema,
  followerConfigSchema,
  journalEntrySchema,
  masterConfigSchema,
  masterOpenSchema,
  pendingLegSchema,
  type ChatUser,
  type DailyMark,
  type JournalEntry,
  type MasterOpenRecord,
  type PendingLeg,
  type State,
} from './schema.js';

/** The state file's name inside the data directory. */
export const STATE_FILE = 'state.json';
export { JOURNAL_FILE, LINKS_FILE };
/** The lock file's name inside the data directory. */
export const LOCK_FILE = 'state.lock';

/** How often a deferred background write asks again whether its owner is still busy. */
const DEFER_STEP_MS = 2;

/** Options of {@link openStore}. */
export interface StoreOptions {
  /** The data directory (`FXMIRROR_DATA`); created if missing. */
  dataDir: string;
  /** Delay between the first change and its write; changes within it share one write. Default 25 ms. */
  writeDelayMs?: number;
  /** Delay before retrying a failed background write. Default 1 000 ms. */
  retryDelayMs?: number;
  /** Bounds of the growing lists; missing fields take {@link DEFAULT_RETENTION}. */
  retention?: Partial<Retention>;
  /** Wall clock for lock bookkeeping. Default `Date.now`. */
  now?: () => number;
  /** Where start-up facts (fresh state, migration, lock takeover) and write failures are logged. */
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long a lock written on another host is trusted without being refreshed. Default 60 s. */
  foreignLockStaleMs?: number;
}

/** Deeply read-only view of the live document: read it freely, change it only through the store. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Identifies one link: one follower ticket copying one master ticket. */
export interface LinkKey {
  masterId: string;
  masterTicket: number;
  followerId: string;
  followerTicket: number;
}

/** Filter of {@link Store.journalFor}; all given fields must match. */
export interface JournalQuery {
  masterId?: string;
  masterTicket?: number;
  followerId?: string;
  followerTicket?: number;
  eventId?: string;
  /** Most entries returned, newest first. Default 50. */
  limit?: number;
}

/** Events of the store's health. */
export interface StoreEvents {
  /** A write failed; `healthy` is false until a later write succeeds. */
  error: (error: FatalError) => void;
  /** A write succeeded after failures. */
  recovered: () => void;
}

/** What happened at start-up, for one log line. */
export interface StartupInfo {
  /** `created`: no file, a fresh state was written. `loaded`: read as is. `migrated`: upgraded and rewritten. */
  outcome: 'created' | 'loaded' | 'migrated';
  /** Version of the file on disk before start-up (`null` when created). */
  fileVersion: number | null;
  /** The backup written before a migration. */
  backupPath: string | null;
  /** Temp files of an interrupted write that were removed. */
  leftoversRemoved: string[];
  /** Set when a stale lock was taken over. */
  lockTakeover: Takeover | null;
  /** Journal rows loaded into memory (the newest `journalMax`). */
  journalRows: number;
  /** Set when a damaged last line of `journal.jsonl` (an append cut by a crash) was dropped. */
  journalTailDropped: string | null;
  /** Links loaded into memory. */
  links: number;
  /** Set when a damaged last line of `links.jsonl` (an append cut by a crash) was dropped. */
  linksTailDropped: string | null;
}

/**
 * Opens the store in `options.dataDir`: checks the directory is writable, takes the lock, loads (or creates, or
 * migrates) the state.
 *
 * @throws FatalError `data_dir_unwritable`, `state_locked`, `state_corrupt`, `state_invalid`, `state_newer_version`,
 *   `state_unreadable`. A refused state file is never modified.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const dir = resolve(options.dataDir);
  const path = join(dir, STATE_FILE);
  const retention: Retention = { ...DEFAULT_RETENTION, ...options.retention };
  await probeWritableDir(dir);
  const adapter = new StateFileAdapter(path, { validateOnWrite: false });

  // Read before locking to learn the instance id the lock records, then again under the lock in case a previous
  // holder wrote in between. A refused file is refused before anything is written.
  const peek = await load(adapter, path);
  const instanceId = peek?.state.instanceId ?? randomUUID();
  const lock = await acquireLock(join(dir, LOCK_FILE), {
    instanceId,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.foreignLockStaleMs === undefined ? {} : { foreignStaleMs: options.foreignLockStaleMs }),
  });
  try {
    const loaded = await load(adapter, path);
    const journal = new JournalFile(join(dir, JOURNAL_FILE), { max: retention.journalMax, log: options.log });
    const links = new LinksFile(join(dir, LINKS_FILE), { log: options.log });
    const migrating = loaded !== null && loaded.fileVersion < loaded.state.version;
    // A refused journal is refused before anything is written too. A migration replaces the journal file with the
    // rows of the old document, so whatever is there (an interrupted earlier migration) is not read.
    const journalLoaded = migrating ? null : await journal.load();
    // The same for the links; without a state file, a links file belongs to no state.
    const linksLoaded = loaded !== null && !migrating ? await links.load(loaded.linksSeq) : null;
    const leftoversRemoved = [
      ...(await removeLeftoverTemps(dir, path)),
      ...(await removeLeftoverTemps(dir, journal.path)),
      ...(await removeLeftoverTemps(dir, links.path)),
    ];
    let state: State;
    let outcome: StartupInfo['outcome'];
    let backupPath: string | null = null;
    if (loaded === null) {
      state = createDefaultState(instanceId);
      outcome = 'created';
      // A links file without a state file (state.json was removed) describes no state: start without it.
      await links.replace([]);
    } else if (migrating) {
      backupPath = `${path}.v${loaded.fileVersion}.bak`;
      await new DurableTextFile(backupPath).write(loaded.text);
      // The journal and the links first: a crash before the new state.json is written just migrates again from the
      // same file.
      await journal.replace(loaded.state.journal);
      await links.replace(loaded.state.links);
      state = loaded.state;
      outcome = 'migrated';
    } else {
      state = loaded.state;
      state.links = linksLoaded?.links ?? [];
      outcome = 'loaded';
    }
    const rows = journalLoaded?.rows ?? state.journal;
    state.journal = rows.length > retention.journalMax ? rows.slice(-retention.journalMax) : rows;
    journal.track(state.journal);
    const encoder = new StateEncoder();
    // Also primes the encoder, so the first write after start-up costs what changed, not the whole document.
    const text = encoder.encode(state, links.seq);
    const stateFile = new DurableTextFile(path);
    if (outcome !== 'loaded') await stateFile.write(text);
    const db = new Low<State>(adapter, state);
    const startup: StartupInfo = {
      outcome,
      fileVersion: loaded?.fileVersion ?? null,
      backupPath,
      leftoversRemoved,
      lockTakeover: lock.takeover,
      journalRows: state.journal.length,
      journalTailDropped: journalLoaded?.droppedTail ?? null,
      links: state.links.length,
      linksTailDropped: linksLoaded?.droppedTail ?? null,
    };
    options.log?.info({ path, instanceId: state.instanceId, ...startup }, `state ${outcome}`);
    return new Store({ db, path, lock, startup, options, retention, journal, links, encoder, stateFile });
  } catch (err) {
    await lock.release();
    if (err instanceof FxmirrorError) throw err;
    throw new FatalError('data_dir_unwritable', `Could not initialise the state in ${dir}: ${(err as Error).message}`, {
      cause: err,
      context: { dir },
    });
  }
}

async function load(adapter: StateFileAdapter, path: string): Promise<LoadedState | null> {
  try {
    return await adapter.load();
  } catch (err) {
    if (err instanceof FxmirrorError) throw err;
    throw new FatalError(
      'state_unreadable',
      `State file ${path} could not be read (${(err as Error).message}). The file was left untouched. Check its ` +
        'permissions and that it is a regular file.',
      { cause: err, context: { path } },
    );
  }
}

/** @internal What {@link openStore} hands the store. */
export interface StoreParts {
  db: Low<State>;
  path: string;
  lock: StateLock;
  startup: StartupInfo;
  options: StoreOptions;
  retention: Retention;
  journal: JournalFile;
  links: LinksFile;
  encoder: StateEncoder;
  stateFile: DurableTextFile;
}

/**
 * The open store. Create with {@link openStore}. Implements the engine's {@link StatePort}: the engine may mutate
 * {@link Store.data} directly and call {@link Store.changed}; other callers use the typed helpers or `update()`.
 */
export class Store implements StatePort {
  /** Absolute path of `state.json`. */
  readonly path: string;
  /** Absolute path of `journal.jsonl`. */
  readonly journalPath: string;
  /** Absolute path of `links.jsonl`. */
  readonly linksPath: string;
  /** What start-up did. */
  readonly startup: StartupInfo;
  /** Completed writes since opening (the start-up write excluded). */
  writes = 0;
  /** False after a failed write until a later one succeeds. Stop copying while false. */
  healthy = true;
  /** The last write failure while unhealthy. */
  lastError: FatalError | null = null;

  private readonly db: Low<State>;
  private readonly lock: StateLock;
  private readonly retention: Retention;
  private readonly writeDelayMs: number;
  private readonly retryDelayMs: number;
  private readonly log: StoreOptions['log'];
  private readonly listeners: { [K in keyof StoreEvents]: Set<StoreEvents[K]> } = {
    error: new Set(),
    recovered: new Set(),
  };
  /** Bumped by every change; `durableGeneration` is the newest one known to be on disk. */
  private generation = 0;
  private durableGeneration = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** See {@link Store.deferWritesWhile}. */
  private busy: (() => boolean) | null = null;
  private maxDeferMs = 0;
  private closing = false;
  private closed = false;
  private readonly encoder: StateEncoder;
  private readonly journal: JournalFile;
  private readonly links: LinksFile;
  private readonly stateFile: DurableTextFile;

  /** @internal Use {@link openStore}. */
  constructor(parts: StoreParts) {
    this.db = parts.db;
    this.path = parts.path;
    this.lock = parts.lock;
    this.startup = parts.startup;
    this.retention = parts.retention;
    this.writeDelayMs = parts.options.writeDelayMs ?? 25;
    this.retryDelayMs = parts.options.retryDelayMs ?? 1000;
    this.log = parts.options.log;
    this.encoder = parts.encoder;
    this.journal = parts.journal;
    this.journalPath = parts.journal.path;
    this.links = parts.links;
    this.linksPath = parts.links.path;
    this.stateFile = parts.stateFile;
  }

  /** Lines in `journal.jsonl` and rewrites of it since opening (compactions; for tests and diagnostics). */
  get journalFile(): { lines: number; rewrites: number } {
    return { lines: this.journal.lineCount, rewrites: this.journal.rewrites };
  }

  /** Records in `links.jsonl`, rewrites of it since opening and the seq of its newest write (tests, diagnostics). */
  get linksFile(): { records: number; rewrites: number; seq: number } {
    return { records: this.links.recordCount, rewrites: this.links.rewrites, seq: this.links.seq };
  }

  /** The state's instance id (random at creation, kept across restarts). */
  get instanceId(): string {
    return this.db.data.instanceId;
  }

  /** The live document, read only. Cheap; do not keep references across awaits if you need a stable snapshot. */
  get state(): DeepReadonly<State> {
    return this.db.data;
  }

  /**
   * The live document, mutable (the engine's port). After changing it call {@link Store.changed}; journal and
   * processed entries are append-only records: push new ones and drop old ones from the front (an entry changed in
   * place after it was written is not written again, and a journal row removed from the end after it was written
   * stays in the file).
   */
  get data(): State {
    return this.db.data;
  }

  /** Records that {@link Store.data} was changed and schedules a coalesced write. */
  changed(): void {
    this.mutate(() => undefined);
  }

  /** Subscribes to write failures (the engine's port); same as `on('error', listener)`. */
  onError(listener: (error: FatalError) => void): void {
    this.on('error', listener);
  }

  /** A deep copy of the whole document. */
  snapshot(): State {
    return structuredClone(this.db.data);
  }

  /** Subscribes to health events; returns the unsubscribe function. */
  on<K extends keyof StoreEvents>(event: K, listener: StoreEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => void this.listeners[event].delete(listener);
  }

  /**
   * Changes the document in memory now and schedules a coalesced write. The mutator must not await; whatever it
   * changed before throwing is kept. A document that no longer validates is not written: the store turns unhealthy
   * with `state_invalid_write` until a later change fixes it.
   *
   * @returns the mutator's result
   */
  update<R>(mutator: (state: State) => R): R {
    return this.mutate(mutator);
  }

  /**
   * Lets a due background write wait while `busy()` says a time-critical task is running (the engine: a master event
   * between its frame and its batch request), checking again every few milliseconds, for at most `maxDeferMs` past
   * the coalescing delay. A write serialises the whole document synchronously (milliseconds with a thousand
   * followers); landing in the middle of a copy it would hold that copy's batch back by as much. `flush()` and
   * `close()` never wait.
   */
  deferWritesWhile(busy: () => boolean, maxDeferMs = 250): void {
    this.busy = busy;
    this.maxDeferMs = Math.max(0, maxDeferMs);
  }

  /**
   * Writes every change made so far and resolves once it is on disk (an already running write is awaited, never
   * doubled).
   *
   * @throws FatalError `state_write_failed` or `state_invalid_write`
   */
  async flush(): Promise<void> {
    const target = this.generation;
    while (this.durableGeneration < target) {
      if (this.inFlight !== null) {
        await this.inFlight.catch(() => undefined);
        continue;
      }
      await this.writeNow();
    }
  }

  /** Flushes, stops writing and releases the lock. Further changes throw `store_closed`. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      await this.flush();
    } finally {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.closed = true;
      await this.lock.release();
    }
  }

  // ── processed events ───────────────────────────────────────────────────────────────────────────────────────────

  /** Whether `eventId` of `masterId` was recorded (within retention). */
  isProcessed(masterId: string, eventId: string): boolean {
    const list = this.db.data.processed[masterId];
    if (list === undefined) return false;
    for (let i = list.length - 1; i >= 0; i--) if ((list[i] as { eventId: string }).eventId === eventId) return true;
    return false;
  }

  /** Records a processed event (idempotent) and applies retention. */
  markProcessed(masterId: string, eventId: string, at: number): void {
    if (masterId === '' || eventId === '' || !Number.isFinite(at)) {
      throw invalidInputError('processed event', `masterId and eventId must be non-empty and at finite (got ${JSON.stringify({ masterId, eventId, at })})`);
    }
    if (this.isProcessed(masterId, eventId)) return;
    this.mutate((s) => {
      const list = (s.processed[masterId] ??= []);
      list.push({ eventId, at });
      pruneProcessed(list, this.retention.processedMaxPerMaster, this.retention.processedMaxAgeMs, at);
    });
  }

  // ── journal ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Appends a copy result; the oldest entries beyond the bound are dropped. */
  appendJournal(entry: JournalEntry): void {
    const parsed = check(journalEntrySchema, entry, 'journal entry');
    this.mutate((s) => pushBounded(s.journal, parsed, this.retention.journalMax));
  }

  /** Matching journal entries, newest first (copies). */
  journalFor(query: JournalQuery = {}): JournalEntry[] {
    const limit = query.limit ?? 50;
    const out: JournalEntry[] = [];
    const journal = this.db.data.journal;
    for (let i = journal.length - 1; i >= 0 && out.length < limit; i--) {
      const e = journal[i] as JournalEntry;
      if (query.masterId !== undefined && e.masterId !== query.masterId) continue;
      if (query.masterTicket !== undefined && e.masterTicket !== query.masterTicket) continue;
      if (query.followerId !== undefined && e.followerId !== query.followerId) continue;
      if (query.followerTicket !== undefined && e.followerTicket !== query.followerTicket) continue;
      if (query.eventId !== undefined && e.eventId !== query.eventId) continue;
      out.push(structuredClone(e));
    }
    return out;
  }

  // ── ticket map ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Links copying one master position or pending order, across followers (copies). */
  linksFor(masterId: string, masterTicket: number): CopyLink[] {
    return this.db.data.links
      .filter((l) => l.masterId === masterId && l.masterTicket === masterTicket)
      .map((l) => structuredClone(l));
  }

  /** A follower's links, optionally of one status (copies). */
  linksOfFollower(followerId: string, status?: CopyLink['status']): CopyLink[] {
    return this.db.data.links
      .filter((l) => l.followerId === followerId && (status === undefined || l.status === status))
      .map((l) => structuredClone(l));
  }

  /** Inserts a link or replaces the one with the same {@link LinkKey}. */
  upsertLink(link: CopyLink): void {
    const parsed = check(copyLinkSchema, link, 'link');
    this.mutate((s) => {
      const i = s.links.findIndex((l) => sameLink(l, parsed));
      if (i === -1) s.links.push(parsed);
      else s.links[i] = parsed;
    });
  }

  /** Sets a link's status; `false` when there is no such link. */
  setLinkStatus(key: LinkKey, status: CopyLink['status']): boolean {
    const link = this.db.data.links.find((l) => sameLink(l, key));
    if (link === undefined) return false;
    this.mutate(() => void (link.status = status));
    return true;
  }

  /** Removes a link; `false` when there is no such link. */
  removeLink(key: LinkKey): boolean {
    const i = this.db.data.links.findIndex((l) => sameLink(l, key));
    if (i === -1) return false;
    this.mutate((s) => void s.links.splice(i, 1));
    return true;
  }

  // ── configuration ──────────────────────────────────────────────────────────────────────────────────────────────

  /** All masters (copies). */
  masters(): MasterConfig[] {
    return structuredClone(this.db.data.masters);
  }

  master(accountId: string): MasterConfig | undefined {
    const m = this.db.data.masters.find((x) => x.accountId === accountId);
    return m === undefined ? undefined : structuredClone(m);
  }

  /** Adds a master or replaces the one with the same account id. */
  upsertMaster(master: MasterConfig): void {
    const parsed = check(masterConfigSchema, master, 'master');
    this.mutate((s) => upsertBy(s.masters, parsed, (x) => x.accountId === parsed.accountId));
  }

  /** Removes a master; followers' references and its processed events are left to the caller. */
  removeMaster(accountId: string): boolean {
    return this.removeWhere('masters', (x) => x.accountId === accountId);
  }

  /** All followers (copies). */
  followers(): FollowerConfig[] {
    return structuredClone(this.db.data.followers);
  }

  follower(accountId: string): FollowerConfig | undefined {
    const f = this.db.data.followers.find((x) => x.accountId === accountId);
    return f === undefined ? undefined : structuredClone(f);
  }

  /** Followers copying `masterId` (copies). */
  followersOf(masterId: string): FollowerConfig[] {
    return structuredClone(this.db.data.followers.filter((f) => f.masters.includes(masterId)));
  }

  /** Adds a follower or replaces the one with the same account id. */
  upsertFollower(follower: FollowerConfig): void {
    const parsed = check(followerConfigSchema, follower, 'follower');
    this.mutate((s) => upsertBy(s.followers, parsed, (x) => x.accountId === parsed.accountId));
  }

  removeFollower(accountId: string): boolean {
    return this.removeWhere('followers', (x) => x.accountId === accountId);
  }

  /** All chat users (copies). */
  users(): ChatUser[] {
    return structuredClone(this.db.data.users);
  }

  user(id: number): ChatUser | undefined {
    const u = this.db.data.users.find((x) => x.id === id);
    return u === undefined ? undefined : structuredClone(u);
  }

  /** Adds a chat user or replaces the one with the same id. */
  upsertUser(user: ChatUser): void {
    const parsed = check(chatUserSchema, user, 'chat user');
    this.mutate((s) => upsertBy(s.users, parsed, (x) => x.id === parsed.id));
  }

  removeUser(id: number): boolean {
    return this.removeWhere('users', (x) => x.id === id);
  }

  // ── pending legs, daily marks, master history ──────────────────────────────────────────────────────────────────

  /** Legs waiting for a session or a resolution (copies). */
  pendingLegs(): PendingLeg[] {
    return structuredClone(this.db.data.pending);
  }

  /** Adds a pending leg or replaces the one with the same id. */
  upsertPending(leg: PendingLeg): void {
    const parsed = check(pendingLegSchema, leg, 'pending leg');
    this.mutate((s) => upsertBy(s.pending, parsed, (x) => x.id === parsed.id));
  }

  removePending(id: string): boolean {
    return this.removeWhere('pending', (x) => x.id === id);
  }

  dailyMark(followerId: string): DailyMark | undefined {
    const d = this.db.data.daily[followerId];
    return d === undefined ? undefined : { ...d };
  }

  setDailyMark(followerId: string, mark: DailyMark): void {
    const parsed = check(dailyMarkSchema, mark, 'daily mark');
    this.mutate((s) => void (s.daily[followerId] = parsed));
  }

  /** A master's remembered opens, oldest first (copies). */
  masterHistory(masterId: string): MasterOpenRecord[] {
    return structuredClone(this.db.data.masterHistory[masterId] ?? []);
  }

  /** Remembers a master open; only the newest `masterHistoryMax` are kept. */
  recordMasterOpen(masterId: string, open: MasterOpenRecord): void {
    const parsed = check(masterOpenSchema, open, 'master open');
    this.mutate((s) => pushBounded((s.masterHistory[masterId] ??= []), parsed, this.retention.masterHistoryMax));
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────────────────────────────

  private removeWhere<K extends 'masters' | 'followers' | 'users' | 'pending'>(
    key: K,
    match: (item: State[K][number]) => boolean,
  ): boolean {
    const list = this.db.data[key] as State[K][number][];
    const i = list.findIndex(match);
    if (i === -1) return false;
    this.mutate(() => void list.splice(i, 1));
    return true;
  }

  private mutate<R>(mutator: (state: State) => R): R {
    this.assertOpen();
    try {
      return mutator(this.db.data);
    } finally {
      this.generation++;
      this.schedule(this.writeDelayMs);
    }
  }

  private assertOpen(): void {
    if (this.closing || this.closed) {
      throw new FatalError('store_closed', `The store for ${this.path} is closed; changes are no longer accepted.`);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null || this.inFlight !== null || this.closed) return;
    this.timer = setTimeout(() => this.writeDue(0), delayMs);
  }

  /** The coalescing delay is over: write now, or a moment later while the owner says it is busy (bounded). */
  private writeDue(deferredMs: number): void {
    this.timer = null;
    if (deferredMs < this.maxDeferMs && !this.closing && !this.closed && this.isBusy()) {
      this.timer = setTimeout(() => this.writeDue(deferredMs + DEFER_STEP_MS), DEFER_STEP_MS);
      return;
    }
    // Failures are reported through `healthy`, the `error` event and the next flush.
    this.writeNow().catch(() => undefined);
  }

  private isBusy(): boolean {
    if (this.busy === null) return false;
    try {
      return this.busy();
    } catch {
      return false;
    }
  }

  /**
   * Starts a write of the current document: the journal rows added since the last write are appended to
   * `journal.jsonl`, the links' changes to `links.jsonl`, then `state.json` is replaced (the commit point: it records
   * which links write it belongs with). Only called when no write is in flight.
   */
  private writeNow(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const generation = this.generation;
    let invalidDocument = false;
    const write = (async () => {
      try {
        // Everything up to the first await runs now: the new journal rows, the links' changes and the state text are
        // all taken from the document as it is at this instant, and all validated before any file is touched.
        const issues: z.core.$ZodIssue[] = [];
        const batch = this.journal.prepare(this.db.data.journal);
        const linksBatch = this.links.prepare(this.db.data.links, issues);
        const text = this.encoder.collect(this.db.data, issues, linksBatch?.seq ?? this.links.seq);
        if (issues.length > 0) throw invalidWriteError(issues);
        // The new journal rows are records (never changed once added), so they need not be read at this instant:
        // they are validated and serialised in slices, still before any file is touched.
        if (batch !== null) await this.journal.serialize(batch, issues);
        if (issues.length > 0) throw invalidWriteError(issues);
        // The journal goes first, so it always holds at least the copies the state file refers to; the links before
        // the state file too, which commits them (a load ignores links changes newer than the state file).
        if (batch !== null) await this.journal.commit(batch, this.db.data.journal);
        if (linksBatch !== null) await this.links.commit(linksBatch);
        await this.stateFile.write(text);
      } catch (err) {
        invalidDocument = err instanceof FatalError && err.code === 'state_invalid_write';
        throw this.markFailed(err);
      }
      this.durableGeneration = Math.max(this.durableGeneration, generation);
      this.writes++;
      if (!this.healthy) this.markRecovered();
    })();
    this.inFlight = write;
    const settle = (): void => {
      this.inFlight = null;
      // A write requested while this one ran goes out now; after a failure, retry later unless the document itself
      // is invalid (retrying cannot help until it changes, and the next change schedules a write).
      if (this.generation > this.durableGeneration && !invalidDocument) {
        this.schedule(this.healthy ? this.writeDelayMs : this.retryDelayMs);
      }
    };
    write.then(settle, settle);
    return write;
  }

  private markFailed(err: unknown): FatalError {
    const error = err instanceof FatalError ? err : writeFailedError(this.path, err);
    const first = this.healthy;
    this.healthy = false;
    this.lastError = error;
    if (first) this.log?.error({ err: error, path: error.context['path'] ?? this.path }, 'state write failed');
    for (const listener of this.listeners.error) listener(error);
    return error;
  }

  private markRecovered(): void {
    this.healthy = true;
    this.lastError = null;
    this.log?.warn({ path: this.path }, 'state write recovered');
    for (const listener of this.listeners.recovered) listener();
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInputError(what, formatIssues(result.error.issues));
  return result.data;
}

function sameLink(a: LinkKey, b: LinkKey): boolean {
  return (
    a.masterId === b.masterId &&
    a.masterTicket === b.masterTicket &&
    a.followerId === b.followerId &&
    a.followerTicket === b.followerTicket
  );
}

function upsertBy<T>(list: T[], item: T, match: (x: T) => boolean): void {
  const i = list.findIndex(match);
  if (i === -1) list.push(item);
  else list[i] = item;
}
