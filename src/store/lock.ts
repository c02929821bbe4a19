/**
 * The single-writer lock: `state.lock` next to the state file, holding the owner's pid, instance id, host and boot.
 * A second process on the same data directory is refused; a lock left by a dead process is taken over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { FatalError } from '../domain/errors.js';

/** What a lock file records about its owner. */
export interface LockOwner {
  pid: number;
  /** The state's instance id, for logs. */
  instanceId: string;
  /** Random per acquisition: tells this holder from a later one of the same state. */
  runId: string;
  hostname: string;
  /** Linux boot id; a lock from another boot is stale whatever its pid. */
  bootId: string | null;
  acquiredAt: number;
}

const lockOwnerSchema = z.object({
  pid: z.int().positive(),
  instanceId: z.string(),
  runId: z.string(),
  hostname: z.string(),
  bootId: z.string().nullable(),
  acquiredAt: z.number(),
}) satisfies z.ZodType<LockOwner>;

/** Lock options. */
export interface LockOptions {
  instanceId: string;
  now?: () => number;
  /**
   * A lock written on another host cannot be checked by pid (a different pid namespace, e.g. a recreated
   * container); it counts as stale once not refreshed for this long. The holder refreshes it every quarter of it.
   * Default 60 s.
   */
  foreignStaleMs?: number;
}

/** Why an existing lock was taken over. */
export interface Takeover {
  previous: LockOwner | null;
  reason: string;
}

// Locks held by this process, so a second store in the same process is refused even though the pid is alive, and a
// lock carrying our own pid but not held here (a restarted container's pid 1) is recognised as stale.
const heldHere = new Set<string>();

/** A held lock. `release()` removes the file if it is still ours. */
export class StateLock {
  private heartbeat: NodeJS.Timeout | null;
  private released = false;

  /** @internal Use {@link acquireLock}. */
  constructor(
    readonly path: string,
    readonly owner: LockOwner,
    /** Set when a stale lock was taken over, for a log line. */
    readonly takeover: Takeover | null,
    refreshMs: number,
  ) {
    // Keeps the mtime fresh for processes on other hosts that cannot check our pid.
    this.heartbeat = setInterval(() => {
      const t = new Date();
      utimes(path, t, t).catch(() => undefined);
    }, refreshMs);
    this.heartbeat.unref();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    heldHere.delete(this.path);
    const current = await readOwner(this.path);
    if (current?.owner?.runId === this.owner.runId) await unlink(this.path).catch(() => undefined);
  }
}

/**
 * Takes the lock at `path` or explains who holds it.
 *
 * @throws FatalError `state_locked` when a live process (or a recently refreshed foreign lock) holds it
 */
export async function acquireLock(path: string, options: LockOptions): Promise<StateLock> {
  const abs = resolve(path);
  const now = options.now ?? Date.now;
  const foreignStaleMs = options.foreignStaleMs ?? 60_000;
  const owner: LockOwner = {
    pid: process.pid,
    instanceId: options.instanceId,
    runId: randomBytes(8).toString('hex'),
    hostname: hostname(),
    bootId: readBootId(),
    acquiredAt: now(),
  };
  const text = JSON.stringify(owner);
  let takeover: Takeover | null = null;

  for (let attempt = 0; attempt < 5; attempt++) {
    if (heldHere.has(abs)) throw lockedError(abs, owner, 'this process already has the state open');
    if (await createExclusive(abs, text)) {
      heldHere.add(abs);
      return new StateLock(abs, owner, takeover, Math.max(1000, Math.floor(foreignStaleMs / 4)));
    }
    const existing = await readOwner(abs);
    if (existing === null) continue;
    const verdict = await judge(abs, existing.owner, owner, foreignStaleMs, now);
    if (verdict.alive) throw lockedError(abs, existing.owner, verdict.reason);
    if (await removeIfUnchanged(abs, existing.text)) takeover = { previous: existing.owner, reason: verdict.reason };
  }
  throw new FatalError('state_locked', `Could not take the lock ${abs}: other processes keep creating it.`, {
    context: { path: abs },
  });
}

/** Creates the lock with its full content in one step (a hard link of a written temp file), or reports it exists. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { flag: 'wx' });
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    // No hard links on this file system: exclusive create, with a brief window where the file is empty.
    try {
      await writeFile(path, text, { flag: 'wx' });
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<{ text: string; owner: LockOwner | null } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let owner: LockOwner | null = null;
  try {
    const parsed = lockOwnerSchema.safeParse(JSON.parse(text));
    if (parsed.success) owner = parsed.data;
  } catch {
    owner = null;
  }
  return { text, owner };
}

async function judge(
  path: string,
  holder: LockOwner | null,
  me: LockOwner,
  foreignStaleMs: number,
  now: () => number,
): Promise<{ alive: boolean; reason: string }> {
  if (holder === null) return { alive: false, reason: 'the lock file was unreadable' };
  if (holder.hostname === me.hostname) {
    if (holder.bootId !== null && me.bootId !== null && holder.bootId !== me.bootId) {
      return { alive: false, reason: `pid ${holder.pid} belonged to an earlier boot` };
    }
    // Our own pid but not held by this process: an earlier incarnation with the same pid (a container's pid 1).
    if (holder.pid === me.pid) return { alive: false, reason: `pid ${holder.pid} was an earlier run of this process id` };
    return pidAlive(holder.pid)
      ? { alive: true, reason: `process ${holder.pid} is running` }
      : { alive: false, reason: `process ${holder.pid} is gone` };
  }
  const age = now() - (await stat(path)).mtimeMs;
  return age > foreignStaleMs
    ? { alive: false, reason: `lock from host ${holder.hostname} not refreshed for ${Math.round(age / 1000)} s` }
    : { alive: true, reason: `host ${holder.hostname} refreshed it ${Math.max(0, Math.round(age / 1000))} s ago` };
}

/** Moves the lock aside only if it still has the content judged stale; puts back one that changed meanwhile. */
async function removeIfUnchanged(path: string, judgedText: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => null);
  if (moved !== judgedText) {
    // Another process replaced the stale lock between our read and our rename: that one is live, restore it.
    await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** Whether `pid` is a running process on this host. A zombie (killed, not yet reaped) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function lockedError(path: string, holder: LockOwner | null, reason: string): FatalError {
  const who = holder === null ? 'another process' : `pid ${holder.pid} on ${holder.hostname} (instance ${holder.instanceId})`;
  return new FatalError(
    'state_locked',
    `The data directory is in use by ${who}: ${reason} (lock ${path}). Only one fxmirror may use a data directory; ` +
      'stop the other one, or point FXMIRROR_DATA elsewhere. If you are sure no other fxmirror is running, delete the lock file.',
    { context: { path, holder, reason } },
  );
}
