import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CopyLink } from '../../../../src/domain/ledger.js';
import type { JournalEntry } from '../../../../src/store/index.js';
import { readLinksFile } from '../../../../src/store/links-file.js';

/** A fresh temp directory and its removal. */
export async function tempDir(prefix = 'fxmirror-store-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function journalEntry(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    at: 1_700_000_000_000,
    masterId: 'm1',
    eventId: 'd1',
    eventKind: 'open',
    followerId: 'f1',
    action: 'open',
    status: 'filled',
    reason: null,
    detail: { slippagePoints: 1.5, latencyMs: 42, resized: false, note: null },
    masterTicket: 1001,
    followerTicket: 5001,
    symbol: 'EURUSD',
    volume: 0.1,
    price: 1.0845,
    ...overrides,
  };
}

export function link(overrides: Partial<CopyLink> = {}): CopyLink {
  return {
    masterId: 'm1',
    masterTicket: 1001,
    followerId: 'f1',
    followerTicket: 5001,
    kind: 'position',
    followerSymbol: 'EURUSD.raw',
    masterSymbol: 'EURUSD',
    side: 'buy',
    volume: 0.2,
    masterVolume: 0.1,
    openedAt: 1_700_000_000_000,
    status: 'open',
    ...overrides,
  };
}

/**
 * The links a links file holds for a state file recording `linksSeq`, read without changing the file: its base, then
 * its changes up to that seq, in slot order. Fails on a damaged line other than the last.
 */
export async function linksOnDisk(path: string, linksSeq: number): Promise<CopyLink[]> {
  const file = await readLinksFile(path);
  if (file === null) return [];
  const byId = new Map<number, CopyLink>();
  for (let i = 0; i < file.lines.length; i++) {
    const line = file.lines[i];
    if (line === undefined) continue;
    if (!line.ok) {
      if (i < file.lines.length - 1) throw new Error(`links line ${line.line}: ${line.problem}`);
      break;
    }
    if (line.value.base !== true && line.value.seq > linksSeq) break;
    for (const [id, l] of line.value.put ?? []) byId.set(id, l);
    for (const id of line.value.del ?? []) byId.delete(id);
  }
  return [...byId.values()];
}
