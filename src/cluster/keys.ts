/**
 * Every Redis key the cluster uses, in one place, under one prefix (several clusters, or tests, can share a Redis).
 * Keys of one partition or one master carry it in braces, so a Redis Cluster would keep each one's keys together.
 */
export interface ClusterKeys {
  readonly prefix: string;
  /** The control process's lease. */
  controlLease: string;
  /** The versioned configuration document (masters, followers), written by the control process only. */
  config: string;
  /** Chat users and their alert settings, written by the control process only. */
  users: string;
  /** Worker registry: a hash of worker id → heartbeat JSON. */
  workers: string;
  /** Followers as their partitions' owners see them: a hash of follower id → view JSON (follower-views.ts). */
  followerViews: string;
  /** The master feed's lease: one relay per master. */
  feedLease(masterId: string): string;
  /** The master's event stream (XADD by the feed's lease holder, read by every partition through its group). */
  masterStream(masterId: string): string;
  /** A partition's lease. */
  partitionLease(partition: number): string;
  /** A partition's durable engine state (ledger, processed events, pending legs, journal). */
  partitionState(partition: number): string;
  /** The consumer group name of a partition on every master stream. */
  partitionGroup(partition: number): string;
  /** CopierEvents from workers, consumed by the control process's group. */
  alerts: string;
  /** Entries no consumer could read (malformed, unknown version), kept for an operator. */
  deadLetter: string;
  /** Control API calls that must run where a follower's orders are sent (reconcile, close all). */
  commands(partition: number): string;
  /** The reply to one forwarded command. */
  reply(id: string): string;
  /** Alert keys already delivered (so a takeover of the control process does not post one twice). */
  delivered: string;
  /** Master events posted to the chat in the last minutes, with their legs (recent-hash.ts; late legs edit them). */
  postedEvents: string;
  /** Telegram message ids the chat may edit, by `<chat id>:<ref key>` (recent-hash.ts). */
  sentMessages: string;
}

export function clusterKeys(prefix = 'fxm'): ClusterKeys {
  const p = prefix;
  return {
    prefix: p,
    controlLease: `${p}:lease:control`,
    config: `${p}:config`,
    users: `${p}:users`,
    workers: `${p}:workers`,
    followerViews: `${p}:follower-views`,
    feedLease: (m) => `${p}:lease:feed:{m:${m}}`,
    masterStream: (m) => `${p}:stream:{m:${m}}`,
    partitionLease: (n) => `${p}:lease:{p:${n}}`,
    partitionState: (n) => `${p}:state:{p:${n}}`,
    partitionGroup: (n) => `p${n}`,
    alerts: `${p}:alerts`,
    deadLetter: `${p}:dead-letter`,
    commands: (n) => `${p}:commands:{p:${n}}`,
    reply: (id) => `${p}:reply:${id}`,
    delivered: `${p}:delivered`,
    postedEvents: `${p}:posted-events`,
    sentMessages: `${p}:sent-messages`,
  };
}
