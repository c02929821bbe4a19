/**
 * The Telegram chat's remembered message ids in Redis (the outbox's `OutboxRefMemory`), so the control process that
 * takes over edits the messages the one before it posted: a late partition's legs, a connection that came back.
 * Kept as long as the aggregator remembers an event (recent-hash.ts drops older ones).
 */
import type { OutboxRefMemory } from '../bot/outbox.js';
import type { Logger } from '../engine/ports.js';
import type { RecentHash } from './recent-hash.js';

export async function loadSentMessages(hash: RecentHash, now: () => number, log: Pick<Logger, 'warn'>): Promise<OutboxRefMemory> {
  const initial: [string, number][] = [];
  for (const { field, value } of await hash.load(now())) {
    const id = Number(value);
    if (Number.isSafeInteger(id) && id > 0) initial.push([field, id]);
    else log.warn({ field }, 'a sent message id in Redis is not a message id; skipped');
  }
  return {
    initial,
    remember(refKey, messageId) {
      hash.put(refKey, String(messageId), now()).catch((error: unknown) => log.warn({ err: String(error) }, 'a sent message id could not be kept in Redis; after a takeover that message is not edited, a new one is sent'));
    },
  };
}
