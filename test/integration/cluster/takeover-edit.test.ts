/**
 * A control process takes over between a master event's message and a late partition's legs: the new process edits
 * the message the old one posted (real redis-server, the real alert consumer, notifier and outbox, a Bot API played by
 * a real HTTP server whose message ids both processes share, as Telegram's are). Also the bounded Redis map that
 * carries what the new process needs.
 */
import type { Redis } from 'ioredis';
import { Api } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryUsers } from '../../../src/bot/memory-users.js';
import { Notifier } from '../../../src/bot/notifier.js';
import { Outbox } from '../../../src/bot/outbox.js';
import { systemClock } from '../../../src/bot/ports.js';
import { AGGREGATE_MEMORY_MS } from '../../../src/cluster/alert-aggregator.js';
import { AlertConsumer } from '../../../src/cluster/alert-consumer.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { RecentHash } from '../../../src/cluster/recent-hash.js';
import { loadSentMessages } from '../../../src/cluster/sent-messages.js';
import { encodeAlert } from '../../../src/cluster/wire.js';
import { defaultFollower } from '../../../src/domain/config.js';
import type { StatusView } from '../../../src/engine/control-types.js';
import type { CopierEvent } from '../../../src/engine/events.js';
import type { Logger } from '../../../src/engine/ports.js';
import { startFakeBotApi } from '../../unit/bot/fake-bot-api.js';
import type { FakeBotApi } from '../../unit/bot/fake-bot-api.js';
import { copied, leg } from '../../unit/bot/fixtures.js';
import { chatUser, memoryLog, waitFor } from '../../unit/bot/harness.js';
import { useLocalRedis } from './local-redis-suite.js';

let redis: Redis;
useLocalRedis('fxm-takeover-edit-', (_s, r) => {
  redis = r;
});
let telegram: FakeBotApi;
beforeAll(async () => {
  telegram = await startFakeBotApi();
});
afterAll(async () => {
  await telegram.close();
});

const ADMIN = 1;
const followers = { fa: defaultFollower('fa', ['m1']), fb: defaultFollower('fb', ['m1']) };

/** The chat side of one control process: alerts stream → aggregator → notifier → outbox → the Bot API. */
async function controlProcess(name: string, keys: ReturnType<typeof clusterKeys>) {
  const log = memoryLog();
  const consumerLog: Logger = { ...log, child: () => consumerLog };
  const sentMessages = await loadSentMessages(new RecentHash({ redis, key: keys.sentMessages, maxAgeMs: AGGREGATE_MEMORY_MS }), Date.now, log);
  const outbox = new Outbox({ api: new Api('123:test', { apiRoot: telegram.url }), log, clock: systemClock, baseBackoffMs: 20, refMemory: sentMessages });
  const notifier = new Notifier({
    users: createMemoryUsers([chatUser(ADMIN, 'admin')]),
    control: {
      follower: (id) => {
        const f = followers[id as keyof typeof followers];
        if (f === undefined) throw new Error('not a follower');
        return f;
      },
      status: () => ({ followers: Object.values(followers).map((f) => ({ id: f.accountId, masters: f.masters })) }) as unknown as StatusView,
    },
    outbox,
    log,
  });
  const consumer = new AlertConsumer({
    redis,
    reader: redis.duplicate(),
    keys,
    consumer: name,
    waitMs: 300,
    expectedPartitions: () => new Set([0, 1]),
    deliver: (e: CopierEvent) => notifier.notify(e),
    log: consumerLog,
  });
  await consumer.start();
  return {
    log,
    async stop() {
      await consumer.stop();
      await outbox.stop(1_000);
    },
  };
}

const publish = (keys: ReturnType<typeof clusterKeys>, partition: number, event: CopierEvent) =>
  redis.xadd(keys.alerts, '*', ...encodeAlert({ partition, worker: `w${partition}`, event }));

describe('a control takeover between an event’s message and its late legs', () => {
  it('the new control process edits the message the old one posted, with every leg', async () => {
    const keys = clusterKeys('fxe');
    const event = { kind: 'open' as const, eventId: 'd42', symbol: 'EURUSD', side: 'buy' as const, volume: 0.37, price: 1.0851, ticket: 4242 };
    const first = await controlProcess('control-a', keys);
    await publish(keys, 0, copied([leg({ followerId: 'fa', followerName: 'Alpha' })], { event }));
    // Partition 1 is late: after the wait the message goes out with Alpha alone.
    const posted = await waitFor(() => telegram.delivered('sendMessage').find((r) => String(r.body.text).includes('Alpha')), 'the first message', 5_000);
    await first.stop();

    const second = await controlProcess('control-b', keys);
    await publish(keys, 1, copied([leg({ followerId: 'fb', followerName: 'Bravo', ticket: 5002 })], { event }));
    const edit = await waitFor(() => telegram.delivered('editMessageText').find((r) => String(r.body.text).includes('Bravo')), 'the edit', 5_000);
    await second.stop();

    // The fake Bot API numbers the messages it is sent, 1, 2, …
    const messageId = telegram.requests.filter((r) => r.method === 'sendMessage' && r.n <= posted.n).length;
    expect(Number(edit.body.message_id)).toBe(messageId);
    expect(Number(edit.body.chat_id)).toBe(ADMIN);
    expect(String(edit.body.text)).toContain('Alpha');
    // No second message for the event.
    expect(telegram.delivered('sendMessage').filter((r) => String(r.body.text).includes('#4242'))).toHaveLength(1);
  });
});

describe('the recent map in Redis', () => {
  it('keeps the newest writes in order, drops what is older than its age, and each write prunes', async () => {
    const map = new RecentHash({ redis, key: 'rh:a', maxAgeMs: 1_000 });
    await map.put('x', '1', 10_000);
    await map.put('y', '2', 10_500);
    await map.put('x', '3', 10_700);
    expect(await map.load(10_800)).toEqual([
      { field: 'y', at: 10_500, value: '2' },
      { field: 'x', at: 10_700, value: '3' },
    ]);
    // y is older than 1 s at 11,600: this write drops it.
    await map.put('z', '4', 11_600);
    expect(await redis.hkeys('rh:a')).toEqual(expect.arrayContaining(['x', 'z']));
    expect(await redis.hexists('rh:a', 'y')).toBe(0);
    expect((await map.load(11_650)).map((e) => e.field)).toEqual(['x', 'z']);
    // Loading after everything aged out leaves nothing behind.
    expect(await map.load(20_000)).toEqual([]);
    expect(await redis.exists('rh:a', 'rh:a:at')).toBe(0);
  });

  it('a sent-message id that is not one is skipped with a log line', async () => {
    const map = new RecentHash({ redis, key: 'rh:b', maxAgeMs: 60_000 });
    await map.put('1:copied:a', '17', 1_000);
    await map.put('1:copied:b', 'seventeen', 1_001);
    const log = memoryLog();
    const memory = await loadSentMessages(map, () => 2_000, log);
    expect([...memory.initial]).toEqual([['1:copied:a', 17]]);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    memory.remember('1:copied:c', 18);
    for (let i = 0; i < 50 && (await redis.hget('rh:b', '1:copied:c')) === null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await redis.hget('rh:b', '1:copied:c')).toBe('18');
  });
});
