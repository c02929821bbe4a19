/**
 * The state store (design.md §3, State): a versioned, validated JSON document written durably by one process, with
 * the copy journal kept beside it in an append-only `journal.jsonl` and the links in `links.jsonl`, a log of changes
 * committed by the state file.
 */
export { openStore, Store, STATE_FILE, LOCK_FILE, JOURNAL_FILE, LINKS_FILE } from './store.js';
export type { StoreOptions, StoreEvents, StartupInfo, LinkKey, JournalQuery, DeepReadonly } from './store.js';
export { DEFAULT_RETENTION, type Retention } from './bounds.js';
export type { StoreErrorCode } from './errors.js';
export { migrations, migrate, type Migration, type RawDocument } from './migrations.js';
export { decodeState, encodeState } from './codec.js';
export { readJournalFile, type JournalFileContents } from './journal-file.js';
export { readLinksFile, type LinksFileContents } from './links-file.js';
export { DurableTextFile, StateFileAdapter } from './adapter.js';
export * from './schema.js';
export { StoreUserDirectory } from './user-directory.js';
