/**
 * Small file-system helpers for durability: directory fsync, a real write probe, and removal of temp files left by
 * a crash.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { dataDirError } from './errors.js';

/**
 * Makes a rename or a new file in `dir` durable. Without it a power cut right after `rename` can bring back the old
 * directory entry even though the new file's data was synced.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot sync a directory; there is nothing more durable to fall back to.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR') throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with what `fill` writes: a temp file (named like write-file-atomic's, so a start after a crash
 * midway removes a leftover one), fsynced, renamed over `path`, directory fsynced. On failure the temp file is removed
 * and the error rethrown; `path` is untouched.
 */
export async function replaceFile(path: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  const tmp = `${path}.${randomInt(2 ** 47)}`;
  try {
    const handle = await open(tmp, 'wx');
    try {
      await fill(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await fsyncDir(dirname(path));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Where an append failed: before anything was written (`open`), or with part of the text maybe on disk (`write`). */
export class AppendFailure extends Error {
  constructor(
    readonly stage: 'open' | 'write',
    cause: unknown,
  ) {
    super(`append failed at ${stage}`, { cause });
  }
}

/**
 * Appends `text` to the existing file `path` and syncs its data (one line log's commit). Never creates the file: a
 * missing one (`'missing'`, nothing written) is the caller's to write whole, with its directory entry synced.
 *
 * @throws AppendFailure
 */
export async function appendSynced(path: string, text: string): Promise<'appended' | 'missing'> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_APPEND);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new AppendFailure('open', err);
  }
  try {
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
  } catch (err) {
    throw new AppendFailure('write', err);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return 'appended';
}

/**
 * Creates `dir` if needed and proves it writable with a real synced write, so a read-only mount, a full disk, a
 * permission problem or a path that is a file stops start-up instead of the first copy.
 *
 * @throws FatalError `data_dir_unwritable`
 */
export async function probeWritableDir(dir: string): Promise<void> {
  const probe = join(dir, `.fxmirror-probe-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(probe, 'wx');
    try {
      await handle.writeFile('probe\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await unlink(probe);
  } catch (err) {
    await unlink(probe).catch(() => undefined);
    throw dataDirError(dir, err);
  }
}

/**
 * Removes temp files a killed writer left next to `file` (write-file-atomic names them `<file>.<number>`). Call only
 * while holding the lock: another writer's temp file would look the same.
 *
 * @returns the names removed
 */
export async function removeLeftoverTemps(dir: string, file: string): Promise<string[]> {
  const pattern = new RegExp(`^${escapeRegExp(basename(file))}\\.\\d+$`);
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!pattern.test(name)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
