/**
 * lowdb adapters. lowdb's own `TextFile` (steno) renames a fixed temp name without fsync; these write a unique temp
 * file, fsync it, rename it over the target and fsync the directory, so the file on disk is always a whole previous
 * or a whole new version, and a completed write survives a power cut.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import writeFileAtomic from 'write-file-atomic';
import { decodeState, encodeState, type Decoded } from './codec.js';
import { fsyncDir } from './fs.js';
import type { State } from './schema.js';

/** A text file written durably. `read` gives `null` when the file does not exist. */
export class DurableTextFile implements Adapter<string> {
  constructor(readonly path: string) {}

  async read(): Promise<string | null> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async write(text: string): Promise<void> {
    let tmpfile = this.path;
    // write-file-atomic resolves symlinks, so the directory to sync is the temp file's, not necessarily ours.
    await writeFileAtomic(this.path, text, { fsync: true, tmpfileCreated: (name) => void (tmpfile = name) });
    await fsyncDir(dirname(tmpfile));
  }
}

/** A loaded state file: the decoded state and the exact text it came from (kept for a pre-migration backup). */
export interface LoadedState extends Decoded {
  text: string;
}

/**
 * The state file as a lowdb adapter: reads decode and validate (refusing a bad file with a `FatalError`), writes
 * validate and encode synchronously, so the bytes written are a snapshot taken when `write` was called.
 */
export class StateFileAdapter implements Adapter<State> {
  readonly file: DurableTextFile;
  private readonly validate: boolean;

  /** `validateOnWrite: false` when the caller validates what it changed itself (the store does). */
  constructor(
    readonly path: string,
    options: { validateOnWrite?: boolean } = {},
  ) {
    this.file = new DurableTextFile(path);
    this.validate = options.validateOnWrite ?? true;
  }

  /** Reads and decodes the file; `null` when there is none. */
  async load(): Promise<LoadedState | null> {
    const text = await this.file.read();
    if (text === null) return null;
    return { ...decodeState(text, this.path), text };
  }

  async read(): Promise<State | null> {
    return (await this.load())?.state ?? null;
  }

  async write(state: State): Promise<void> {
    // Runs before the first await, i.e. synchronously within the caller's turn: later mutations cannot tear it.
    const text = encodeState(state, { validate: this.validate });
    await this.file.write(text);
  }
}
