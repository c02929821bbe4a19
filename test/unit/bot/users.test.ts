/** The UserDirectory adapters and the unknown-user reporter. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAdmins, UnknownReporter } from '../../../src/bot/auth.js';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import type { OutboxMessage } from '../../../src/bot/outbox.js';
import { openStore, StoreUserDirectory } from '../../../src/store/index.js';
import { chatUser, memoryLog, TestClock } from './harness.js';
import { userDirectoryContract } from './user-directory-contract.js';

describe('user directories', () => {
  it('the in-memory directory keeps the contract', async () => {
    await userDirectoryContract(createMemoryUsers());
  });

  it('the store-backed directory (src/store) keeps the port contract and persists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxmirror-users-'));
    try {
      const store = await openStore({ dataDir: dir, writeDelayMs: 1 });
      await userDirectoryContract(new StoreUserDirectory(store));
      await new StoreUserDirectory(store).upsert(chatUser(9, 'viewer', 'Vera'));
      await store.close();
      const again = await openStore({ dataDir: dir, writeDelayMs: 1 });
      expect(new StoreUserDirectory(again).get(9)).toMatchObject({ role: 'viewer', name: 'Vera' });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('admins and unknown users', () => {
  it('parses FXMIRROR_ADMINS', () => {
    expect([...parseAdmins(' 1, 22 ,333,')]).toEqual([1, 22, 333]);
    expect([...parseAdmins(undefined)]).toEqual([]);
    expect(() => parseAdmins('12,abc')).toThrow("FXMIRROR_ADMINS must be comma-separated numeric Telegram user ids, got 'abc'");
  });

  it('reports unknown attempts once per window, or at once after N attempts, to every admin', async () => {
    const sent: OutboxMessage[] = [];
    const reporter = new UnknownReporter({
      users: createMemoryUsers([chatUser(5, 'admin'), chatUser(6, 'viewer')]),
      admins: new Set([1]),
      send: (m) => void sent.push(m),
      clock: new TestClock(),
      log: memoryLog(),
      windowMs: 50,
      maxAttempts: 5,
      maxListed: 2,
    });
    reporter.record({ id: 100, name: 'Eve', username: 'eve', what: '/status' });
    reporter.record({ id: 100, name: 'Eve', username: 'eve', what: '/pause' });
    expect(sent).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(sent.map((m) => m.chatId).sort()).toEqual([1, 5]);
    expect(sent[0]?.text).toContain('2 attempts by unknown users');
    expect(sent[0]?.text).toContain('<code>100</code> Eve @eve: 2× (last: /pause)');
    sent.length = 0;
    for (let i = 0; i < 5; i++) reporter.record({ id: 200 + i, name: `<x${i}>`, username: null, what: 'message' });
    expect(sent).toHaveLength(2);
    expect(sent[0]?.text).toContain('&lt;x0&gt;');
    expect(sent[0]?.text).toContain('and 3 more attempts from other users');
    reporter.stop();
  });
});
