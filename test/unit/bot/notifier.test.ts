/** Routing of copier events: one message per master event, levels per kind, owners see only their followers. */
import { describe, expect, it } from 'vitest';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import { Notifier } from '../../../src/bot/notifier.js';
import type { OutboxMessage } from '../../../src/bot/outbox.js';
import type { ChatUser } from '../../../src/bot/ports.js';
import { defaultFollower } from '../../../src/domain/config.js';
import type { FollowerConfig } from '../../../src/domain/config.js';
import type { StatusView } from '../../../src/engine/control-types.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import { copied, leg } from './fixtures.js';
import { chatUser, memoryLog } from './harness.js';

const ADMIN = 1;
const OWNER_A = 2;
const OWNER_B = 3;
const VIEWER = 4;

function setup(users: ChatUser[] = [chatUser(ADMIN, 'admin'), chatUser(OWNER_A, 'owner'), chatUser(OWNER_B, 'owner'), chatUser(VIEWER, 'viewer')]) {
  const followers: Record<string, FollowerConfig> = {
    fa: { ...defaultFollower('fa', ['m1']), ownerUserId: OWNER_A },
    fb: { ...defaultFollower('fb', ['m2']), ownerUserId: OWNER_B },
  };
  const status = { followers: Object.values(followers).map((f) => ({ id: f.accountId, masters: f.masters })) } as unknown as StatusView;
  const out: OutboxMessage[] = [];
  const directory = createMemoryUsers(users);
  const notifier = new Notifier({
    users: directory,
    control: {
      follower: (id) => {
        const f = followers[id];
        if (f === undefined) throw new Error('not a follower');
        return f;
      },
      status: () => status,
    },
    outbox: { enqueue: (m) => void out.push(m) },
    log: memoryLog(),
    schedule: () => {},
  });
  const send = (...events: CopierEvent[]) => {
    for (const e of events) notifier.notify(e);
    notifier.drainNow();
    const batch = out.splice(0);
    return batch;
  };
  return { notifier, send, directory };
}

const to = (batch: OutboxMessage[], chatId: number) => batch.filter((m) => m.chatId === chatId);

describe('notifier', () => {
  it('one message per master event with every leg; routine copies silent', () => {
    const { send } = setup();
    const batch = send(copied([leg({ followerId: 'fa', followerName: 'A' }), leg({ followerId: 'fb', followerName: 'B' })]));
    const admin = to(batch, ADMIN);
    expect(admin).toHaveLength(1);
    expect(admin[0]).toMatchObject({ silent: true, routine: true, kind: 'copies' });
    expect(admin[0]?.text).toContain('<b>A</b>');
    expect(admin[0]?.text).toContain('<b>B</b>');
    expect(to(batch, VIEWER)).toHaveLength(1);
  });

  it('late legs (cluster) edit the event’s message with every leg; a late problem is a loud message of its own', () => {
    const { send } = setup();
    const a = leg({ followerId: 'fa', followerName: 'A' });
    const b = leg({ followerId: 'fb', followerName: 'B' });
    const first = to(send(copied([a], { message: { key: 'm1:d1', posted: 0 } })), ADMIN);
    expect(first.map((m) => m.ref)).toEqual([{ key: 'copied:m1:d1', op: 'create', whenLong: first[0]?.text }]);
    const late = send(copied([a, b], { message: { key: 'm1:d1', posted: 1 } }));
    const admin = to(late, ADMIN)[0];
    expect(admin).toMatchObject({ silent: true, kind: 'copies', ref: { key: 'copied:m1:d1', op: 'edit' } });
    expect(admin?.text).toContain('<b>A</b>');
    expect(admin?.text).toContain('<b>B</b>');
    expect(admin?.ref?.whenLong).toContain('<b>B</b>');
    expect(admin?.ref?.whenLong).not.toContain('<b>A</b>');
    // Nothing new for A's owner: no message.
    expect(to(late, OWNER_A)).toHaveLength(0);
    expect(to(late, OWNER_B)[0]?.text).toContain('<b>B</b>');
    const rejected = leg({ followerId: 'fb', followerName: 'B', status: 'rejected', retcode: 10019, reason: 'no_money' });
    const problem = to(send(copied([a, rejected], { message: { key: 'm1:d2', posted: 1 } })), ADMIN)[0];
    expect(problem).toMatchObject({ silent: false, kind: 'rejections' });
    expect(problem?.ref).toBeUndefined();
    expect(problem?.text).not.toContain('<b>A</b>');
  });

  it('owners get only their own legs and nothing about others', () => {
    const { send } = setup();
    const batch = send(copied([leg({ followerId: 'fa', followerName: 'A' }), leg({ followerId: 'fb', followerName: 'B' })]));
    const a = to(batch, OWNER_A);
    expect(a).toHaveLength(1);
    expect(a[0]?.text).toContain('<b>A</b>');
    expect(a[0]?.text).not.toContain('<b>B</b>');
    const onlyB = send(copied([leg({ followerId: 'fb', followerName: 'B' })]));
    expect(to(onlyB, OWNER_A)).toHaveLength(0);
    expect(to(onlyB, OWNER_B)).toHaveLength(1);
  });

  it('a rejection is loud, with the numbers, under the rejections level', () => {
    const { send } = setup();
    const batch = send(copied([leg({ followerId: 'fa', followerName: 'A', status: 'skipped', reason: 'insufficient_margin', detail: { required: 4320, free: 2700 } })]));
    const admin = to(batch, ADMIN)[0];
    expect(admin).toMatchObject({ silent: false, routine: false, kind: 'rejections' });
    expect(admin?.text).toContain('margin required 4,320.00 &gt; free 2,700.00');
  });

  it('levels: silent mutes, off drops, per kind', async () => {
    const { send, directory } = setup();
    await directory.setAlertLevel(VIEWER, 'rejections', 'silent');
    await directory.setAlertLevel(VIEWER, 'copies', 'off');
    const batch = send(
      copied([leg({ followerId: 'fa', status: 'rejected', retcode: 10019 })]),
      copied([leg({ followerId: 'fa' })]),
    );
    const viewer = to(batch, VIEWER);
    expect(viewer).toHaveLength(1);
    expect(viewer[0]).toMatchObject({ kind: 'rejections', silent: true });
    expect(to(batch, ADMIN)).toHaveLength(2);
  });

  it('connection lost then restored: same ref, created then edited; owners of followers of that master hear it', () => {
    const { send } = setup();
    const lost = send({ type: 'connection', at: 1000, accountId: 'm1', accountName: 'M1', role: 'master', state: 'lost', downMs: null });
    expect(to(lost, ADMIN)[0]).toMatchObject({ silent: false, ref: { key: 'conn:m1', op: 'create' } });
    expect(to(lost, OWNER_A)).toHaveLength(1);
    expect(to(lost, OWNER_B)).toHaveLength(0);
    const back = send({ type: 'connection', at: 61_000, accountId: 'm1', accountName: 'M1', role: 'master', state: 'restored', downMs: 60_000 });
    expect(to(back, ADMIN)[0]).toMatchObject({ ref: { key: 'conn:m1', op: 'edit' } });
    expect(to(back, ADMIN)[0]?.text).toContain('restored');
  });

  it('reconciliation: silent when clean, loud when it changed something, owners see their part', () => {
    const { send } = setup();
    const clean = send({ type: 'reconciled', at: 1, trigger: 'timer', changed: false, report: { dryRun: false, followers: [] } });
    expect(to(clean, ADMIN)[0]).toMatchObject({ silent: true, kind: 'reconcile' });
    expect(to(clean, OWNER_A)).toHaveLength(0);
    const action = { kind: 'open_missing' as const, masterId: 'm1', masterTicket: 5, followerTicket: 8, symbol: 'EURUSD', volume: 0.1, note: '', result: 'done' as const };
    const changed = send({
      type: 'reconciled',
      at: 2,
      trigger: 'connect',
      changed: true,
      report: { dryRun: false, followers: [{ followerId: 'fb', followerName: 'B', actions: [action] }] },
    });
    expect(to(changed, ADMIN)[0]).toMatchObject({ silent: false });
    expect(to(changed, OWNER_A)).toHaveLength(0);
    expect(to(changed, OWNER_B)[0]).toMatchObject({ silent: false });
  });

  it('halted reaches admins loud even with connection alerts off; follower_paused, leg_resolved and daily are routed', async () => {
    const { send, directory } = setup();
    await directory.setAlertLevel(ADMIN, 'connection', 'off');
    const halted = send({ type: 'halted', at: 1, reason: 'store_write_failed', message: 'cannot write state' });
    expect(to(halted, ADMIN)[0]).toMatchObject({ silent: false });
    const paused = send({ type: 'follower_paused', at: 1, followerId: 'fa', followerName: 'A', reason: 'daily_loss_limit', detail: { loss: 520, limit: 500 } });
    expect(to(paused, OWNER_A)[0]).toMatchObject({ silent: false, kind: 'rejections' });
    expect(to(paused, OWNER_B)).toHaveLength(0);
    const resolved = send({ type: 'leg_resolved', at: 1, masterId: 'm1', masterName: 'M', eventId: 'd1', was: 'unknown', leg: leg({ followerId: 'fa' }) });
    expect(to(resolved, OWNER_A)[0]).toMatchObject({ silent: true, kind: 'copies' });
    const daily = send({ type: 'daily_summary', at: 1, day: '2025-01-05', rows: [{ followerId: 'fa', followerName: 'A', copied: 1, skipped: 0, rejected: 0, profit: 3 }, { followerId: 'fb', followerName: 'B', copied: 2, skipped: 0, rejected: 0, profit: 1 }] });
    expect(to(daily, OWNER_A)[0]?.text).not.toContain('<b>B</b>');
    expect(to(daily, ADMIN)[0]?.text).toContain('Total: 3 copied');
  });

  it('notify is synchronous and defers all work to the drain', () => {
    const { notifier } = setup();
    expect(notifier.notify(copied([leg({ followerId: 'fa' })]))).toBeUndefined();
    expect(notifier.stats()).toMatchObject({ received: 1, pending: 1, messages: 0 });
    notifier.drainNow();
    expect(notifier.stats()).toMatchObject({ pending: 0, messages: 4 - 1 });
  });
});
